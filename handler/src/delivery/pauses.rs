//! Configuration faults pause delivery (to every channel, or to one) instead of dropping
//! jobs; the first message that gets through lifts the pause. Both are logged once.

use super::failure::describe;
use super::seams::Store;
use crate::store::{DeliveryPause, Timestamp};

/// Pauses delivery for a configuration fault, logging it once per pause; the time the pause
/// ends, or `None` when the store could not record it.
pub fn pause_delivery(
    store: &impl Store,
    channel: Option<String>,
    code: String,
    reason: &str,
) -> Option<Timestamp> {
    let (scope, fix) = match &channel {
        None => (
            "to every channel".to_owned(),
            "check SLACK_BOT_TOKEN and its scopes (chat:write)".to_owned(),
        ),
        Some(channel) => (
            format!("to {channel}"),
            format!("invite the bot to {channel}, or fix SLACK_CHANNEL or the slack_channel label"),
        ),
    };
    let pause = DeliveryPause {
        channel,
        reason: code,
    };
    match store.pause_delivery(&pause, crate::now_ms()) {
        Ok(paused) => {
            if paused.new {
                eprintln!(
                    "alertgraph: delivery paused {scope}: {reason}; {fix}. Nothing is dropped: \
                     retried with a backoff of up to 10 minutes"
                );
            }
            Some(paused.until)
        }
        Err(e) => {
            eprintln!(
                "alertgraph: cannot pause delivery {scope} ({reason}): {}",
                describe(&e)
            );
            None
        }
    }
}

/// A message reached `channel`: a pause of it, or of every channel, is over.
pub fn resume_delivery(store: &impl Store, channel: &str) {
    match store.resume_delivery(channel) {
        Ok(lifted) => {
            for pause in lifted {
                let scope = pause.channel.as_deref().unwrap_or("every channel");
                eprintln!(
                    "alertgraph: delivery resumed to {scope}: {} is fixed",
                    pause.reason
                );
            }
        }
        Err(e) => eprintln!(
            "alertgraph: cannot lift the delivery pauses of {channel}: {}",
            describe(&e)
        ),
    }
}
