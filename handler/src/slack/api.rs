//! The Slack Web API calls alertgraph makes (`chat.postMessage`, `chat.update`): requests
//! built and answers classified by plain functions, sent through Spin's outbound HTTP.

use serde::Deserialize;
use serde_json::Value;

use super::message::Message;

/// Where and as whom to call Slack.
pub struct Client {
    /// Base URL without a trailing slash, e.g. `https://slack.com/api`.
    pub api_url: String,
    pub token: String,
}

/// A message Slack has accepted.
#[derive(Debug, PartialEq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

/// Why a call failed, classified the way the outbox needs it.
#[derive(Debug, PartialEq)]
pub enum Failure {
    /// Worth another try: rate limits, Slack's own failures, the network.
    Retry {
        /// Slack's `Retry-After`, when it gave one.
        after_ms: Option<u64>,
        reason: String,
    },
    /// Trying again cannot help (bad token, unknown channel, refused content).
    Permanent(String),
}

/// `ok: false` errors that are Slack's trouble, not ours.
const TRANSIENT_ERRORS: &[&str] = &[
    "ratelimited",
    "fatal_error",
    "internal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
];

/// When Slack says 429 without a usable `Retry-After`.
const DEFAULT_RETRY_AFTER_MS: u64 = 30_000;

impl Client {
    pub async fn post_message(&self, message: &Message) -> Result<Posted, Failure> {
        self.call("chat.postMessage", body_of(message, None)).await
    }

    /// Replaces the message `ts` in `message.channel` with `message`.
    pub async fn update_message(&self, message: &Message, ts: &str) -> Result<Posted, Failure> {
        self.call("chat.update", body_of(message, Some(ts))).await
    }

    async fn call(&self, method: &str, body: Vec<u8>) -> Result<Posted, Failure> {
        let request = spin_sdk::http::Request::builder()
            .method(spin_sdk::http::Method::Post)
            .uri(format!("{}/{method}", self.api_url.trim_end_matches('/')))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json; charset=utf-8")
            .body(body)
            .build();
        let response: spin_sdk::http::Response =
            spin_sdk::http::send(request)
                .await
                .map_err(|e| Failure::Retry {
                    after_ms: None,
                    reason: format!("{method}: {}", one_line(&e.to_string())),
                })?;
        let retry_after = response
            .header("retry-after")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        classify(
            method,
            *response.status(),
            retry_after.as_deref(),
            response.body(),
        )
    }
}

/// The JSON body of `chat.postMessage` (no `ts`) or `chat.update` (with `ts`).
pub fn body_of(message: &Message, ts: Option<&str>) -> Vec<u8> {
    let mut json = serde_json::to_value(message).expect("a message always serialises");
    if let (Some(ts), Value::Object(map)) = (ts, &mut json) {
        map.insert("ts".into(), Value::String(ts.into()));
    }
    if let Value::Object(map) = &mut json {
        // Links in alert text are for reading, not for previews that push the chart away.
        map.insert("unfurl_links".into(), Value::Bool(false));
        map.insert("unfurl_media".into(), Value::Bool(false));
    }
    serde_json::to_vec(&json).expect("a JSON value always serialises")
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    ts: Option<String>,
}

/// Slack's answer to `method`: HTTP status, `Retry-After`, JSON body.
pub fn classify(
    method: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<Posted, Failure> {
    let retry_after_ms = retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| secs.saturating_mul(1000));
    match status {
        429 => {
            return Err(Failure::Retry {
                after_ms: Some(retry_after_ms.unwrap_or(DEFAULT_RETRY_AFTER_MS)),
                reason: format!("{method}: rate limited (HTTP 429)"),
            })
        }
        500..=599 => {
            return Err(Failure::Retry {
                after_ms: retry_after_ms,
                reason: format!("{method}: Slack answered HTTP {status}"),
            })
        }
        200..=299 => {}
        _ => return Err(Failure::Permanent(format!("{method}: HTTP {status}"))),
    }
    let answer: Answer = serde_json::from_slice(body).map_err(|e| Failure::Retry {
        after_ms: None,
        reason: format!("{method}: unreadable answer: {e}"),
    })?;
    match (answer.ok, answer.error, answer.channel, answer.ts) {
        (true, _, Some(channel), Some(ts)) => Ok(Posted { channel, ts }),
        (true, ..) => Err(Failure::Permanent(format!(
            "{method}: answer lacks channel or ts"
        ))),
        (false, error, ..) => {
            let error = error.unwrap_or_else(|| "unknown_error".into());
            if TRANSIENT_ERRORS.contains(&error.as_str()) {
                Err(Failure::Retry {
                    after_ms: retry_after_ms,
                    reason: format!("{method}: {error}"),
                })
            } else {
                Err(Failure::Permanent(format!("{method}: {error}")))
            }
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::message::{Attachment, Message};

    fn message() -> Message {
        Message {
            channel: "#alerts".into(),
            text: "[FIRING] X".into(),
            thread_ts: None,
            attachments: vec![Attachment {
                color: "#F2303C",
                blocks: vec![],
            }],
        }
    }

    #[test]
    fn update_body_carries_the_ts_and_no_previews() {
        let post: Value = serde_json::from_slice(&body_of(&message(), None)).unwrap();
        assert_eq!(post["channel"], "#alerts");
        assert!(post.get("ts").is_none());
        assert_eq!(post["unfurl_links"], false);
        let update: Value = serde_json::from_slice(&body_of(&message(), Some("1.2"))).unwrap();
        assert_eq!(update["ts"], "1.2");
    }

    #[test]
    fn accepted_message() {
        let body = br#"{"ok":true,"channel":"C1","ts":"1700000000.000100","message":{}}"#;
        assert_eq!(
            classify("chat.postMessage", 200, None, body),
            Ok(Posted {
                channel: "C1".into(),
                ts: "1700000000.000100".into()
            })
        );
    }

    #[test]
    fn rate_limits_wait_as_told() {
        let got = classify("chat.postMessage", 429, Some("7"), b"");
        assert!(
            matches!(
                got,
                Err(Failure::Retry {
                    after_ms: Some(7000),
                    ..
                })
            ),
            "{got:?}"
        );
        let got = classify("chat.postMessage", 429, Some("soon"), b"");
        assert!(
            matches!(
                got,
                Err(Failure::Retry {
                    after_ms: Some(30_000),
                    ..
                })
            ),
            "{got:?}"
        );
        let body = br#"{"ok":false,"error":"ratelimited"}"#;
        let got = classify("chat.update", 200, Some("3"), body);
        assert!(
            matches!(
                got,
                Err(Failure::Retry {
                    after_ms: Some(3000),
                    ..
                })
            ),
            "{got:?}"
        );
    }

    #[test]
    fn slack_trouble_is_retried() {
        for (status, body) in [
            (500, &b"oops"[..]),
            (503, b""),
            (200, b"<html>"),
            (200, br#"{"ok":false,"error":"internal_error"}"#),
        ] {
            let got = classify("chat.postMessage", status, None, body);
            assert!(
                matches!(got, Err(Failure::Retry { .. })),
                "{status}: {got:?}"
            );
        }
    }

    #[test]
    fn our_mistakes_are_permanent() {
        for error in [
            "invalid_auth",
            "channel_not_found",
            "not_in_channel",
            "invalid_blocks",
            "msg_too_long",
            "something_new",
        ] {
            let body = format!(r#"{{"ok":false,"error":"{error}"}}"#);
            let got = classify("chat.postMessage", 200, None, body.as_bytes());
            assert_eq!(
                got,
                Err(Failure::Permanent(format!("chat.postMessage: {error}")))
            );
        }
        assert!(matches!(
            classify("chat.postMessage", 404, None, b""),
            Err(Failure::Permanent(_))
        ));
        assert!(matches!(
            classify("chat.postMessage", 200, None, br#"{"ok":true}"#),
            Err(Failure::Permanent(_))
        ));
    }
}
