//! `message-refresh`: someone acted on the message (acknowledged, silenced), so it is redrawn
//! to show the alert as it stands, its chart redrawn too (an uploaded chart stays in the
//! thread).

use super::chart::MessageChart;
use super::failure::Hold;
use super::seams::Edges;
use super::Courier;
use crate::config::ChartDelivery;
use crate::slack::message::AlertView;
use crate::store::{AlertStatus, Job};

impl<E: Edges> Courier<'_, E> {
    pub(super) async fn refresh(&self, job: &Job) -> Result<(), Hold> {
        let Some(posted) = self.posted_alert(job)? else {
            // Nothing was posted that could show a response.
            return Ok(());
        };
        let mut chart = match self.options.chart_delivery {
            ChartDelivery::Url | ChartDelivery::Inline => {
                self.chart(job, &AlertView::of(&posted.stored.alert)).await
            }
            ChartDelivery::Upload => MessageChart::none(),
        };
        self.update_in_place(&posted, &mut chart).await?;
        chart.reached_slack(self.store);
        if chart.transient && posted.stored.alert.status == AlertStatus::Firing {
            self.schedule_redraw(job.alert_id);
        }
        Ok(())
    }
}
