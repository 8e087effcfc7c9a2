//! A job, run by its kind: each family of kinds has its own file, as a command has in
//! mini-redis, and this is the one place that knows them all.

use super::failure::{retry, Failure, Hold};
use super::seams::{Edges, Store};
use super::Courier;
use crate::slack::message::{self, AlertView};
use crate::store::{ChatMessage, Job, JobKind, StoredAlert};

/// An alert whose message is out: what redrawing that message needs.
pub(super) struct PostedAlert {
    pub stored: StoredAlert,
    pub channel: String,
    pub message: ChatMessage,
}

impl<E: Edges> Courier<'_, E> {
    pub async fn deliver(&self, job: &Job) -> Result<(), Hold> {
        match job.kind {
            JobKind::AlertFired => self.fired(job).await,
            JobKind::AlertResolved => self.resolved(job).await,
            JobKind::ChartRedraw => self.redraw(job).await,
            JobKind::MessageRefresh => self.refresh(job).await,
            JobKind::Silence => self.silence(job).await,
            JobKind::Unsilence => self.unsilence(job).await,
            JobKind::GroupSummary => self.summary(job).await,
            JobKind::ChartZoom => self.zoom(job).await,
        }
    }

    /// The job's alert; one deleted since cannot be delivered.
    pub(super) fn alert_of(&self, job: &Job) -> Result<StoredAlert, Failure> {
        self.store
            .get_alert(job.alert_id)
            .map_err(retry)?
            .ok_or_else(|| Failure::Permanent(format!("alert {} is gone", job.alert_id)))
    }

    /// The job's alert, its channel, and its message once one was posted.
    pub(super) fn alert_with_message(
        &self,
        job: &Job,
    ) -> Result<(StoredAlert, String, Option<ChatMessage>), Failure> {
        let stored = self.alert_of(job)?;
        let channel = self.alert_channel(&AlertView::of(&stored.alert))?;
        let found = self.store.find_message(job.alert_id).map_err(retry)?;
        Ok((stored, channel, found))
    }

    /// The job's alert with its message; `None` while nothing was posted to redraw.
    pub(super) fn posted_alert(&self, job: &Job) -> Result<Option<PostedAlert>, Failure> {
        let (stored, channel, found) = self.alert_with_message(job)?;
        Ok(found.map(|message| PostedAlert {
            stored,
            channel,
            message,
        }))
    }

    /// The channel the alert's message goes to: its label or annotation, else the default.
    pub(super) fn channel_of(&self, alert: &AlertView) -> Option<String> {
        message::channel_for(
            alert.labels,
            alert.annotations,
            self.options.default_channel.as_deref(),
        )
    }

    /// The alert's channel, which a message about it cannot go without.
    pub(super) fn alert_channel(&self, alert: &AlertView) -> Result<String, Failure> {
        self.channel_of(alert).ok_or_else(|| {
            Failure::Permanent(
                "no Slack channel: set SLACK_CHANNEL or a slack_channel label".into(),
            )
        })
    }
}
