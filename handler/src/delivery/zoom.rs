//! `chart-zoom`: a click on one of the chart's zoom buttons draws the chart over that window
//! (ending now, or at the resolve) and posts it in the alert's thread. A repeat click (the same
//! window within ten minutes) is told, to its user alone, where that reply is.

use super::failure::{retry, Failure, Hold};
use super::seams::{Chat, Edges, Store};
use super::settle::step_done;
use super::Courier;
use crate::chart::draw::Window;
use crate::slack::api::Ephemeral;
use crate::slack::message::{zoom, AlertView, Chart};
use crate::store::{AlertStatus, Job};

/// The step of a zoom job once its reply is in the thread.
const ZOOM_POSTED: u32 = 1;

/// Who asked for which window: a `chart-zoom` job's payload.
#[derive(serde::Deserialize)]
struct ZoomRequest {
    user_id: String,
    window_ms: i64,
    repeat: bool,
}

impl<E: Edges> Courier<'_, E> {
    pub(super) async fn zoom(&self, job: &Job) -> Result<(), Hold> {
        let request: ZoomRequest = serde_json::from_str(job.payload.as_deref().unwrap_or_default())
            .map_err(|e| Failure::Permanent(format!("unreadable zoom payload: {e}")))?;
        // An attempt after a lost settle: the reply is out already.
        if job.steps_done >= ZOOM_POSTED {
            return Ok(());
        }
        let Some(posted) = self.posted_alert(job)? else {
            return Err(Failure::Permanent("the alert has no message to zoom in".into()).into());
        };
        let thread = &posted.message;
        if request.repeat {
            return self
                .point_at_reply(job, &request, (&thread.channel, &thread.ts))
                .await;
        }
        self.wait_for_turn(&thread.channel)?;
        let alert = AlertView::of(&posted.stored.alert);
        let firing = alert.status == AlertStatus::Firing;
        let window = Window::Last {
            span_ms: request.window_ms,
        };
        let mut chart = self.chart_over(job, &alert, window).await;
        if let (Chart::Unavailable(reason), true) = (&chart.shown, chart.transient) {
            return Err(super::chart::retry_chart(reason).into());
        }
        self.take_turn(&thread.channel, None)?;
        let build = |chart: &super::chart::MessageChart| {
            zoom::reply(
                (alert.alertname, firing),
                (&thread.channel, &thread.ts),
                request.window_ms,
                &request.user_id,
                &chart.shown,
            )
        };
        let post = async |reply: &crate::slack::message::Message| self.send(reply).await;
        // A zoom is not redrawn later: a file Slack is slow with leaves a reason instead.
        let sent = self.send_showing(&mut chart, build, post, false).await?;
        step_done(self.store, job, ZOOM_POSTED);
        chart.reached_slack(self.store);
        // The thread's channel is an id already; the reply is in it.
        let reply = crate::store::ChatMessage {
            channel: thread.channel.clone(),
            ts: sent.ts,
        };
        if let Err(e) = self
            .store
            .save_zoom_reply(job.alert_id, request.window_ms, &reply)
        {
            // A repeat click then hears that the chart is on its way instead of its link.
            eprintln!(
                "alertgraph: cannot remember the zoom reply of alert {}: {}",
                job.alert_id,
                super::failure::describe(&e)
            );
        }
        self.upload(&chart, &thread.channel, &thread.ts).await;
        Ok(())
    }

    /// Tells the user who clicked again where the reply to the first click is, or that it is
    /// still being drawn.
    async fn point_at_reply(
        &self,
        job: &Job,
        request: &ZoomRequest,
        (channel, thread_ts): (&str, &str),
    ) -> Result<(), Hold> {
        let now = crate::now_ms();
        let reply = self
            .store
            .zoom_reply(job.alert_id, request.window_ms, now)
            .map_err(retry)?;
        let link = match reply {
            Some(reply) => Some(self.chat.permalink(&reply.channel, &reply.ts).await?),
            None => None,
        };
        let note = Ephemeral {
            channel,
            user: &request.user_id,
            thread_ts,
            text: zoom::repeat_note(request.window_ms, link.as_deref()),
        };
        Ok(self.chat.post_ephemeral(&note).await?)
    }
}
