//! Before posting again after a lost answer: was the alert's message posted after all?

use super::failure::{retry, Failure};
use super::seams::{Chat, Edges, Store};
use super::Courier;
use crate::slack::api::Posted;
use crate::store::PostingIntent;

/// What became of an earlier attempt that posted without hearing back.
pub enum Earlier {
    /// Its message is in the channel.
    Posted(Posted),
    /// The channel's history does not have it.
    None,
    /// It cannot be known: posting again risks a duplicate, not posting risks losing the alert.
    Unknown,
}

/// An earlier attempt may have posted without hearing back: look for its message in the
/// channel's history. When it cannot look for good (no channel id yet, a missing scope, the
/// bot not in the channel), it says so and the alert is posted again: a possible duplicate is
/// better than an alert Slack may never have shown.
impl<E: Edges> Courier<'_, E> {
    pub(super) async fn earlier_post(
        &self,
        intent: &PostingIntent,
        alert_id: i64,
    ) -> Result<Earlier, Failure> {
        let channel_id = if looks_like_channel_id(&intent.channel) {
            Some(intent.channel.clone())
        } else {
            self.store.channel_id(&intent.channel).map_err(retry)?
        };
        let Some(channel_id) = channel_id else {
            eprintln!(
            "alertgraph: alert {alert_id} may already be posted in {}, whose channel id is not \
             known yet: posting again (set SLACK_CHANNEL to the channel id to avoid this)",
            intent.channel
        );
            return Ok(Earlier::Unknown);
        };
        // Slack's clock and ours may differ a little: look a minute further back.
        let oldest = intent.since.saturating_sub(60_000);
        match self.chat.find_posted(&channel_id, oldest, alert_id).await {
            Ok(Some(found)) => Ok(Earlier::Posted(found)),
            Ok(None) => Ok(Earlier::None),
            // A scope only the lookup needs (`groups:history` for a private channel) must not
            // hold the alert back; a fault the post shares will pause it there.
            Err(Failure::Permanent(reason) | Failure::Misconfigured { reason, .. }) => {
                eprintln!(
                    "alertgraph: alert {alert_id} may already be posted in {}, but looking for it \
                 failed ({reason}): posting again rather than risk losing it",
                    intent.channel
                );
                Ok(Earlier::Unknown)
            }
            Err(passing) => Err(passing),
        }
    }
}

/// Slack channel ids look like `C0123ABCD` (public), `G…` (private) or `D…` (direct).
fn looks_like_channel_id(channel: &str) -> bool {
    channel.len() >= 9
        && channel.starts_with(['C', 'G', 'D'])
        && channel
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::looks_like_channel_id;

    #[test]
    fn channel_ids_are_told_from_names() {
        for id in ["C0123ABCD", "G01ABCDEF99", "D0ABCDEFG"] {
            assert!(looks_like_channel_id(id), "{id}");
        }
        for name in ["#alerts", "alerts", "C012", "c0123abcd", "CHANNEL-1"] {
            assert!(!looks_like_channel_id(name), "{name}");
        }
    }
}
