//! `group-summary`: the alerts of one webhook beyond the group limit share one message per
//! channel they go to, instead of one message each.

use std::collections::BTreeMap;

use super::failure::{retry, Failure, Hold};
use super::seams::{Edges, Store};
use super::Courier;
use crate::slack::message::{self, AlertView};
use crate::store::Job;

/// The alert ids of a `group-summary` job (its payload).
#[derive(serde::Deserialize)]
struct Summary {
    firing: Vec<i64>,
    resolved: Vec<i64>,
}

impl<E: Edges> Courier<'_, E> {
    /// One summary message per channel the summarized alerts go to.
    pub(super) async fn summary(&self, job: &Job) -> Result<(), Hold> {
        let payload = job.payload.as_deref().unwrap_or_default();
        let summary: Summary = serde_json::from_str(payload)
            .map_err(|e| Failure::Permanent(format!("unreadable summary payload: {e}")))?;
        let mut alerts = Vec::new();
        for (ids, firing) in [(&summary.firing, true), (&summary.resolved, false)] {
            for id in ids {
                // An alert deleted since is simply left out.
                if let Some(stored) = self.store.get_alert(*id).map_err(retry)? {
                    alerts.push((stored.alert, firing));
                }
            }
        }
        let mut by_channel = BTreeMap::<String, (Vec<_>, Vec<_>)>::new();
        for (alert, firing) in &alerts {
            let view = AlertView::of(alert);
            let Some(channel) = self.channel_of(&view) else {
                continue;
            };
            let entry = by_channel.entry(channel).or_default();
            if *firing {
                entry.0.push(view);
            } else {
                entry.1.push(view);
            }
        }
        for (channel, (firing, resolved)) in &by_channel {
            let body = message::group_summary(firing, resolved, channel);
            self.post(&body, None).await?;
        }
        Ok(())
    }
}
