//! Outbound HTTP to the services delivery calls (Slack, Alertmanager): a request that gets no
//! answer at all is a [`Failure::Retry`] naming the call.

use spin_sdk::http::{Request, Response};

use crate::delivery::Failure;
use crate::text::one_line;

/// Sends `request`; without an answer, a retry whose reason starts with `what`.
/// `maybe_taken`: the service may have acted on a request whose answer was lost.
pub async fn send(request: Request, what: &str, maybe_taken: bool) -> Result<Response, Failure> {
    spin_sdk::http::send(request)
        .await
        .map_err(|e| Failure::Retry {
            after_ms: None,
            reason: format!("{what}: {}", one_line(&e.to_string())),
            maybe_posted: maybe_taken,
        })
}
