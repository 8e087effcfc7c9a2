//! Sending in a channel's turn (one message per channel per interval, a rate limit pausing
//! that channel only), and the alert's message as it stands.

use super::chart::MessageChart;
use super::failure::{describe, retry, Hold};
use super::jobs::PostedAlert;
use super::pauses::resume_delivery;
use super::seams::{Chat, Edges, Store};
use super::Courier;
use crate::slack::api::Posted;
use crate::slack::message::{self, Metadata};
use crate::store::{AlertStatus, Job, PostingJob, StoreError, StoredAlert, Timestamp};

impl<E: Edges> Courier<'_, E> {
    /// `chat.postMessage` in the channel's turn. For an alert's own message (`job`), taking
    /// the turn also records the intent to post, in one write, right before the post.
    pub(super) async fn post(
        &self,
        message: &message::Message,
        job: Option<&Job>,
    ) -> Result<Posted, Hold> {
        self.take_turn(&message.channel, job)?;
        self.send(message).await
    }

    /// Defers the job when `channel` has no turn now; takes nothing.
    pub(super) fn wait_for_turn(&self, channel: &str) -> Result<(), Hold> {
        deferred_until(self.store.next_channel_turn(channel, crate::now_ms()))
    }

    /// Takes `channel`'s send turn (marking `job` as posting there), or defers the job to it.
    pub(super) fn take_turn(&self, channel: &str, job: Option<&Job>) -> Result<(), Hold> {
        let posting = job.map(|job| PostingJob {
            id: job.id,
            attempt: job.attempt,
        });
        deferred_until(self.store.take_channel_turn(
            channel,
            crate::now_ms(),
            self.chat.channel_interval_ms(),
            posting,
        ))
    }

    /// `chat.postMessage` once the turn is taken; a rate limit pauses that channel only.
    pub(super) async fn send(&self, message: &message::Message) -> Result<Posted, Hold> {
        let channel = message.channel.as_str();
        let result = self.chat.post_message(message).await;
        if result.is_ok() {
            resume_delivery(self.store, channel);
        }
        if let Err(super::Failure::Retry {
            after_ms: Some(wait),
            ..
        }) = &result
        {
            let until = crate::now_ms().saturating_add(i64::try_from(*wait).unwrap_or(i64::MAX));
            if let Err(e) = self.store.pause_channel(channel, until) {
                eprintln!(
                    "alertgraph: cannot pause channel {channel}: {}",
                    describe(&e)
                );
            }
        }
        Ok(result?)
    }

    /// `chat.update` of the alert's message with what it shows now.
    pub(super) async fn update_in_place(
        &self,
        posted: &PostedAlert,
        chart: &mut MessageChart,
    ) -> Result<(), Hold> {
        let original = &posted.message;
        let build = |chart: &MessageChart| {
            let mut updated = self.alert_body(&posted.stored, chart, &posted.channel);
            updated.channel = original.channel.clone();
            updated.metadata = Some(Metadata::alert(posted.stored.id));
            updated
        };
        let update = async |body: &message::Message| {
            Ok(self.chat.update_message(body, &original.ts).await?)
        };
        let firing = posted.stored.alert.status == AlertStatus::Firing;
        self.send_showing(chart, build, update, firing).await?;
        resume_delivery(self.store, &original.channel);
        Ok(())
    }

    /// The alert's message with what the store knows of its past (without that line when the
    /// store cannot tell: the message matters more), who acted on it, and its buttons.
    pub(super) fn alert_body(
        &self,
        stored: &StoredAlert,
        chart: &MessageChart,
        channel: &str,
    ) -> message::Message {
        let now = crate::now_ms();
        let history = self
            .store
            .get_alert_history(stored.id, now)
            .unwrap_or_else(|e| {
                eprintln!(
                    "alertgraph: no history line for alert {}: {}",
                    stored.id,
                    describe(&e)
                );
                None
            });
        message::stored_alert_message(
            stored,
            history.as_ref(),
            &chart.options(self.options),
            self.options.controls,
            (channel, now),
        )
    }
}

/// A channel's next turn as the job's fate: none is now, some(t) defers the job to t.
fn deferred_until(turn: Result<Option<Timestamp>, StoreError>) -> Result<(), Hold> {
    match turn.map_err(retry)? {
        Some(next) => Err(Hold::Deferred(next)),
        None => Ok(()),
    }
}
