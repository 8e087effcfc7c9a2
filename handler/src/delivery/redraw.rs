//! `chart-redraw`: a chart that could not be drawn for a passing cause is drawn again and put
//! into the alert's message while the alert fires.

use super::chart::retry_chart;
use super::failure::Hold;
use super::seams::Edges;
use super::Courier;
use crate::slack::message::{AlertView, Chart};
use crate::store::{AlertStatus, Job};

impl<E: Edges> Courier<'_, E> {
    pub(super) async fn redraw(&self, job: &Job) -> Result<(), Hold> {
        let Some(posted) = self.posted_alert(job)? else {
            // Nothing was posted that a chart could be added to.
            return Ok(());
        };
        // The resolve redraws the chart itself.
        if posted.stored.alert.status == AlertStatus::Resolved {
            return Ok(());
        }
        let mut chart = self.chart(job, &AlertView::of(&posted.stored.alert)).await;
        if let Chart::Unavailable(reason) = &chart.shown {
            if chart.transient {
                return Err(retry_chart(reason).into());
            }
            eprintln!(
                "alertgraph: the chart of alert {} stays out: {reason}",
                job.alert_id
            );
            return Ok(());
        }
        self.update_in_place(&posted, &mut chart).await?;
        if chart.transient {
            return Err(retry_chart("Slack has not processed the uploaded chart yet").into());
        }
        chart.reached_slack(self.store);
        let message = &posted.message;
        self.upload(&chart, &message.channel, &message.ts).await;
        Ok(())
    }
}
