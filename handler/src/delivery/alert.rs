//! `alert-fired` and `alert-resolved`: the alert's message is posted once, pinging its on-call
//! people when it goes out firing; its resolve turns that message green in place and replies in
//! its thread, each step recorded as it reaches the chat service so that an attempt after a
//! lost settle does not repeat it.

use super::chart::MessageChart;
use super::earlier::Earlier;
use super::failure::Hold;
use super::seams::{Chat, Edges};
use super::settle::{record, step_done};
use super::Courier;
use crate::slack::mention;
use crate::slack::message::{self, AlertView, Metadata};
use crate::store::{AlertStatus, ChatMessage, Job, StoredAlert};

/// The steps of an `alert-resolved` job, as `record-job-step` counts them.
pub const RESOLVE_EDITED: u32 = 1;
pub const RESOLVE_REPLIED: u32 = 2;

impl<E: Edges> Courier<'_, E> {
    pub(super) async fn fired(&self, job: &Job) -> Result<(), Hold> {
        let (stored, channel, found) = self.alert_with_message(job)?;
        match found {
            // Posted by an earlier attempt that could not complete the job.
            Some(_) => Ok(()),
            None => self.post_alert(job, &stored, &channel).await,
        }
    }

    pub(super) async fn resolved(&self, job: &Job) -> Result<(), Hold> {
        let (stored, channel, found) = self.alert_with_message(job)?;
        match found {
            // Never posted (it resolved before its turn): the message goes out green.
            None => self.post_alert(job, &stored, &channel).await,
            // An attempt after a lost settle or a failed reply skips the steps already done.
            Some(_) if job.steps_done >= RESOLVE_REPLIED => Ok(()),
            Some(original) => {
                self.resolve_in_place(job, &stored, &channel, &original)
                    .await
            }
        }
    }

    /// Posts the alert's message with its chart, unless an earlier attempt whose answer was
    /// lost turns out to have posted it.
    async fn post_alert(&self, job: &Job, stored: &StoredAlert, channel: &str) -> Result<(), Hold> {
        // A busy channel defers the job before its chart is drawn.
        self.wait_for_turn(channel)?;
        let mut unverified = false;
        if let Some(intent) = &job.posting {
            match self.earlier_post(intent, job.alert_id).await? {
                Earlier::Posted(found) => {
                    return Ok(record(
                        self.store,
                        job.alert_id,
                        found,
                        &intent.channel,
                        false,
                    )?)
                }
                Earlier::None => {}
                Earlier::Unknown => unverified = true,
            }
        }
        let mut chart = self.chart(job, &AlertView::of(&stored.alert)).await;
        let firing = stored.alert.status == AlertStatus::Firing;
        let build = |chart: &MessageChart| {
            let mut body = self.alert_body(stored, chart, channel);
            body.metadata = Some(Metadata::alert(job.alert_id));
            if firing {
                self.mention_on_call(&mut body, stored);
            }
            body
        };
        // One turn for the post, however often Slack refuses an inline chart not ready yet.
        self.take_turn(channel, Some(job))?;
        let send = async |body: &message::Message| self.send(body).await;
        let posted = self.send_showing(&mut chart, build, send, firing).await?;
        let thread = (posted.channel.clone(), posted.ts.clone());
        record(self.store, job.alert_id, posted, channel, unverified)?;
        chart.reached_slack(self.store);
        self.upload(&chart, &thread.0, &thread.1).await;
        if chart.transient {
            self.schedule_redraw(job.alert_id);
        }
        Ok(())
    }

    /// Pings whom the alert's `slack_mention` names, in its first post only: edits and the
    /// resolve are built without, so nobody is pinged twice. Refused pieces are logged.
    fn mention_on_call(&self, body: &mut message::Message, stored: &StoredAlert) {
        let alert = &stored.alert;
        let found = mention::of_alert(
            &alert.labels,
            &alert.annotations,
            self.options.allow_broadcast_mentions,
        );
        for refusal in &found.refused {
            eprintln!("alertgraph: alert {}: {refusal}", stored.id);
        }
        mention::add_to(body, &found.mentions);
    }

    /// Turns the message green with its chart redrawn, then replies in its thread.
    async fn resolve_in_place(
        &self,
        job: &Job,
        stored: &StoredAlert,
        channel: &str,
        original: &ChatMessage,
    ) -> Result<(), Hold> {
        self.wait_for_turn(&original.channel)?;
        let alert = AlertView::of(&stored.alert);
        let mut chart = self.chart(job, &alert).await;
        // One turn covers the edit and its reply, so a busy channel defers both before either
        // is sent rather than repeating the edit.
        self.take_turn(&original.channel, None)?;
        if job.steps_done < RESOLVE_EDITED {
            let build = |chart: &MessageChart| {
                let mut updated = self.alert_body(stored, chart, channel);
                updated.channel = original.channel.clone();
                updated
            };
            let update = async |body: &message::Message| {
                Ok(self.chat.update_message(body, &original.ts).await?)
            };
            // No redraw follows a resolve, so the message turns green once.
            self.send_showing(&mut chart, build, update, false).await?;
            chart.reached_slack(self.store);
            step_done(self.store, job, RESOLVE_EDITED);
        }
        let reply = message::resolved_reply(&alert, &original.channel, &original.ts);
        self.send(&reply).await?;
        step_done(self.store, job, RESOLVE_REPLIED);
        self.upload(&chart, &original.channel, &original.ts).await;
        Ok(())
    }
}
