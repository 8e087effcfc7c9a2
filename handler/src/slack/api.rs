//! The Slack Web API calls alertgraph makes (`chat.postMessage`, `chat.update`,
//! `chat.postEphemeral`, `chat.getPermalink`, `conversations.history`, the external file
//! upload): requests built and answers classified by plain functions, sent through Spin's
//! outbound HTTP.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::message::{Message, ALERT_EVENT};
use crate::delivery::seams::Chat;
use crate::delivery::Failure;

/// Where and as whom to call Slack.
pub struct Client {
    /// Base URL without a trailing slash, e.g. `https://slack.com/api`.
    pub api_url: String,
    pub token: String,
    /// At most one message per channel this often (`SLACK_CHANNEL_INTERVAL_MS`).
    pub channel_interval_ms: u32,
}

/// A message Slack has accepted.
#[derive(Debug, PartialEq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

/// Errors that stop every call with this token until someone fixes it.
const TOKEN_FAULTS: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "missing_scope",
    "no_permission",
    "not_allowed_token_type",
    "team_access_not_granted",
    "ekm_access_denied",
];

/// Errors that stop every call to one channel until someone fixes it.
const CHANNEL_FAULTS: &[&str] = &[
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "restricted_action",
    "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel",
];

/// HTTP statuses that say the token or the API URL is wrong, not the message.
const HTTP_CONFIG_FAULTS: &[u16] = &[401, 403, 404, 407, 410];

impl Failure {
    /// Names the channel a channel fault is about (the classifiers do not know it).
    fn in_channel(self, called: &str) -> Failure {
        match self {
            Failure::Misconfigured {
                channel: Some(_),
                code,
                reason,
            } => Failure::Misconfigured {
                channel: Some(called.to_owned()),
                code,
                reason,
            },
            other => other,
        }
    }
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
/// The longest wait a `Retry-After` can impose: a proxy's `Retry-After: 86400` must not
/// park a channel for a day.
const MAX_RETRY_AFTER_MS: u64 = 5 * 60_000;

impl Chat for Client {
    fn channel_interval_ms(&self) -> u32 {
        self.channel_interval_ms
    }

    async fn post_message(&self, message: &Message) -> Result<Posted, Failure> {
        self.call("chat.postMessage", message, None).await
    }

    /// Replaces the message `ts` in `message.channel` with `message`.
    async fn update_message(&self, message: &Message, ts: &str) -> Result<Posted, Failure> {
        self.call("chat.update", message, Some(ts)).await
    }

    /// The alert's message among those posted to `channel_id` since `oldest_ms`, found by
    /// its metadata (`conversations.history`; needs the `channels:history` scope).
    async fn find_posted(
        &self,
        channel_id: &str,
        oldest_ms: i64,
        alert_id: i64,
    ) -> Result<Option<Posted>, Failure> {
        let query = format!(
            "channel={}&oldest={}.{:03}&include_all_metadata=true&limit=200",
            crate::percent::encode(channel_id),
            oldest_ms.div_euclid(1000),
            oldest_ms.rem_euclid(1000)
        );
        let history = self
            .get("conversations.history", &query)
            .await
            .map_err(|f| f.in_channel(channel_id))?;
        Ok(find_in_history(&history, alert_id).map(|ts| Posted {
            channel: channel_id.to_owned(),
            ts,
        }))
    }

    /// Uploads a PNG into a thread (`files:write`).
    async fn upload_png(&self, upload: &Upload<'_>) -> Result<(), Failure> {
        let thread = [
            ("channel_id", upload.channel_id),
            ("thread_ts", upload.thread_ts),
        ];
        self.upload_external(&upload.file, &thread).await.map(drop)
    }

    /// Uploads a PNG shared nowhere, for an image block to show (`files:write`).
    async fn upload_file(&self, file: &PngFile<'_>) -> Result<String, Failure> {
        self.upload_external(file, &[]).await
    }

    /// `chat.postEphemeral` (`chat:write`): a note only `note.user` sees.
    async fn post_ephemeral(&self, note: &Ephemeral<'_>) -> Result<(), Failure> {
        let method = "chat.postEphemeral";
        let body = serde_json::to_vec(note).expect("strings always serialise");
        let (status, retry_after, answer) = self
            .send(spin_sdk::http::Method::Post, method, JSON, body)
            .await?;
        classify_as::<Value>(method, status, retry_after.as_deref(), &answer)
            .map_err(|f| f.in_channel(note.channel))?;
        Ok(())
    }

    /// `chat.getPermalink` (no scope needed): a link to the message.
    async fn permalink(&self, channel_id: &str, ts: &str) -> Result<String, Failure> {
        let query = format!(
            "channel={}&message_ts={}",
            crate::percent::encode(channel_id),
            crate::percent::encode(ts)
        );
        let answer = self.get("chat.getPermalink", &query).await?;
        answer["permalink"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Failure::Permanent("chat.getPermalink: answer lacks permalink".into()))
    }
}

impl Client {
    /// A Web API read (`GET method?query`), its answer classified.
    async fn get(&self, method: &str, query: &str) -> Result<Value, Failure> {
        let (status, retry_after, body) = self
            .send(
                spin_sdk::http::Method::Get,
                &format!("{method}?{query}"),
                JSON,
                Vec::new(),
            )
            .await?;
        classify_as::<Value>(method, status, retry_after.as_deref(), &body)
    }

    /// Slack's external upload flow (`files.getUploadURLExternal`, the upload,
    /// `files.completeUploadExternal` with `share`'s fields): the file's id.
    async fn upload_external(
        &self,
        file: &PngFile<'_>,
        share: &[(&str, &str)],
    ) -> Result<String, Failure> {
        let method = "files.getUploadURLExternal";
        let length = file.png.len().to_string();
        let mut ask = vec![("filename", file.filename), ("length", length.as_str())];
        ask.extend(file.alt.map(|alt| ("alt_txt", alt)));
        let ask = form(&ask);
        let (status, retry_after, body) = self
            .send(spin_sdk::http::Method::Post, method, FORM, ask)
            .await?;
        let answer = classify_as::<Value>(method, status, retry_after.as_deref(), &body)?;
        let (Some(upload_url), Some(file_id)) =
            (answer["upload_url"].as_str(), answer["file_id"].as_str())
        else {
            return Err(Failure::Permanent(format!(
                "{method}: answer lacks upload_url or file_id"
            )));
        };
        let request = spin_sdk::http::Request::builder()
            .method(spin_sdk::http::Method::Post)
            .uri(upload_url)
            .header("content-type", "image/png")
            .body(file.png.to_vec())
            .build();
        let response = crate::outbound::send(request, "file upload", false).await?;
        check_status("file upload", *response.status(), None)?;
        let method = "files.completeUploadExternal";
        let files = serde_json::json!([{ "id": file_id, "title": file.title }]).to_string();
        let mut complete = vec![("files", files.as_str())];
        complete.extend_from_slice(share);
        let (status, retry_after, body) = self
            .send(spin_sdk::http::Method::Post, method, FORM, form(&complete))
            .await?;
        classify_as::<Value>(method, status, retry_after.as_deref(), &body)?;
        Ok(file_id.to_owned())
    }

    /// `chat.postMessage` or `chat.update` of `message`.
    async fn call(
        &self,
        method: &str,
        message: &Message,
        ts: Option<&str>,
    ) -> Result<Posted, Failure> {
        let (status, retry_after, body) = self
            .send(
                spin_sdk::http::Method::Post,
                method,
                JSON,
                body_of(message, ts),
            )
            .await?;
        classify(method, status, retry_after.as_deref(), &body)
            .map_err(|failure| about_message(method, message, failure))
    }
    /// One Web API request: status, `Retry-After`, body; a transport error is a retry.
    async fn send(
        &self,
        http_method: spin_sdk::http::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<(u16, Option<String>, Vec<u8>), Failure> {
        let request = spin_sdk::http::Request::builder()
            .method(http_method)
            .uri(format!("{}/{path}", self.api_url.trim_end_matches('/')))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", content_type)
            .body(body)
            .build();
        let method = path.split('?').next().unwrap_or(path);
        let response = crate::outbound::send(request, method, true).await?;
        let retry_after = response
            .header("retry-after")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        Ok((*response.status(), retry_after, response.into_body()))
    }
}

const JSON: &str = "application/json; charset=utf-8";
const FORM: &str = "application/x-www-form-urlencoded";

/// A chart to upload into an alert's thread.
pub struct Upload<'a> {
    pub channel_id: &'a str,
    pub thread_ts: &'a str,
    pub file: PngFile<'a>,
}

/// A `chat.postEphemeral` body: `text` for `user` alone, in the thread `thread_ts`.
#[derive(Debug, serde::Serialize)]
pub struct Ephemeral<'a> {
    pub channel: &'a str,
    pub user: &'a str,
    pub thread_ts: &'a str,
    pub text: String,
}

/// A chart's PNG as Slack files it.
pub struct PngFile<'a> {
    pub filename: &'a str,
    pub title: &'a str,
    /// For screen readers: the chart's numbers in words (one short line, far below Slack's
    /// 1000 characters for `alt_txt`).
    pub alt: Option<&'a str>,
    pub png: &'a [u8],
}

/// An `application/x-www-form-urlencoded` body.
fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::percent::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// Any Web API answer: `ok` and `error`, and the method's own fields.
#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(flatten)]
    fields: T,
}

/// Slack's answer to `method` (HTTP status, `Retry-After`, JSON body): its fields when `ok`,
/// else the classified error.
fn classify_as<T: DeserializeOwned>(
    method: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<T, Failure> {
    check_status(method, status, retry_after)?;
    let answer: Answer<T> = serde_json::from_slice(body).map_err(|e| unreadable(method, e))?;
    if answer.ok {
        return Ok(answer.fields);
    }
    let error = answer.error.unwrap_or_else(|| "unknown_error".into());
    Err(answer_error(method, error, retry_after))
}

/// The ts of the message carrying `alert_id` in our metadata.
fn find_in_history(history: &Value, alert_id: i64) -> Option<String> {
    let ours = |message: &&Value| {
        let meta = &message["metadata"];
        meta["event_type"] == ALERT_EVENT && meta["event_payload"]["alert_id"] == alert_id
    };
    let message = history["messages"].as_array()?.iter().find(ours)?;
    message["ts"].as_str().map(str::to_owned)
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

/// What `chat.postMessage` and `chat.update` answer besides `ok`.
#[derive(Deserialize)]
struct Sent {
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    ts: Option<String>,
}

/// Slack's answer to a post or an update: where the message is.
pub fn classify(
    method: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<Posted, Failure> {
    match classify_as::<Sent>(method, status, retry_after, body)? {
        Sent {
            channel: Some(channel),
            ts: Some(ts),
        } => Ok(Posted { channel, ts }),
        _ => Err(Failure::Permanent(format!(
            "{method}: answer lacks channel or ts"
        ))),
    }
}

/// A failure to post or update `message`: `invalid_blocks` for a message showing an uploaded
/// file is Slack not having processed the file yet; a channel fault names its channel.
fn about_message(method: &str, message: &Message, failure: Failure) -> Failure {
    match failure {
        Failure::Permanent(reason)
            if message.shows_slack_file() && reason == format!("{method}: invalid_blocks") =>
        {
            Failure::NotReady(format!("{reason} (the chart's file is not processed yet)"))
        }
        other => other.in_channel(&message.channel),
    }
}

/// The HTTP status alone: 429 and 5xx are retried, and so is any other 4xx: one that says the
/// token or URL is wrong pauses delivery, the rest get the backoff. Only a rate limit (429)
/// and "unavailable" (503) say when to come back.
fn check_status(method: &str, status: u16, retry_after: Option<&str>) -> Result<(), Failure> {
    match status {
        200..=299 => Ok(()),
        429 => Err(Failure::Retry {
            after_ms: Some(retry_after_ms(retry_after).unwrap_or(DEFAULT_RETRY_AFTER_MS)),
            reason: format!("{method}: rate limited (HTTP 429)"),
            maybe_posted: false,
        }),
        500..=599 => Err(Failure::Retry {
            after_ms: retry_after_ms(retry_after).filter(|_| status == 503),
            reason: format!("{method}: Slack answered HTTP {status}"),
            maybe_posted: true,
        }),
        _ if HTTP_CONFIG_FAULTS.contains(&status) => Err(Failure::Misconfigured {
            channel: None,
            code: format!("http_{status}"),
            reason: format!("{method}: HTTP {status}: check SLACK_BOT_TOKEN and the Slack URL"),
        }),
        _ => Err(Failure::Retry {
            after_ms: None,
            reason: format!("{method}: HTTP {status}"),
            maybe_posted: false,
        }),
    }
}

/// `Retry-After` in seconds, at most [`MAX_RETRY_AFTER_MS`].
fn retry_after_ms(retry_after: Option<&str>) -> Option<u64> {
    retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| secs.saturating_mul(1000).min(MAX_RETRY_AFTER_MS))
}

fn unreadable(method: &str, e: serde_json::Error) -> Failure {
    Failure::Retry {
        after_ms: None,
        reason: format!("{method}: unreadable answer: {e}"),
        maybe_posted: true,
    }
}

/// `ok: false`: Slack's own trouble is retried, a token or channel fault pauses delivery,
/// anything else is this message's mistake; only a rate limit says when to come back.
fn answer_error(method: &str, error: String, retry_after: Option<&str>) -> Failure {
    let reason = format!("{method}: {error}");
    let code = error.as_str();
    if TRANSIENT_ERRORS.contains(&code) {
        Failure::Retry {
            after_ms: retry_after_ms(retry_after).filter(|_| code == "ratelimited"),
            reason,
            maybe_posted: false,
        }
    } else if TOKEN_FAULTS.contains(&code) || CHANNEL_FAULTS.contains(&code) {
        Failure::Misconfigured {
            // Filled in by the caller, which knows the channel.
            channel: CHANNEL_FAULTS.contains(&code).then(String::new),
            code: error,
            reason,
        }
    } else {
        Failure::Permanent(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::message::{Attachment, Block, Message, SlackFile};

    fn message() -> Message {
        Message {
            channel: "#alerts".into(),
            text: "[FIRING] X".into(),
            thread_ts: None,
            attachments: vec![Attachment {
                color: "#F2303C",
                blocks: vec![],
            }],
            metadata: None,
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
    fn forms_are_percent_encoded_and_answers_checked() {
        let body = form(&[
            ("files", r#"[{"id":"F1","title":"a b"}]"#),
            ("thread_ts", "1.2"),
        ]);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "files=%5B%7B%22id%22%3A%22F1%22%2C%22title%22%3A%22a%20b%22%7D%5D&thread_ts=1.2"
        );
        let ok = classify_as::<Value>("m", 200, None, br#"{"ok":true,"file_id":"F1"}"#).unwrap();
        assert_eq!(ok["file_id"], "F1");
        assert_eq!(
            classify_as::<Value>("m", 200, None, br#"{"ok":false,"error":"invalid_blocks"}"#),
            Err(Failure::Permanent("m: invalid_blocks".into()))
        );
        assert!(matches!(
            classify_as::<Value>("m", 503, None, b""),
            Err(Failure::Retry { .. })
        ));
        // An answer without a readable `ok` may have done its work: retried, in doubt.
        for body in [&br#"{"file_id":"F1"}"#[..], br#"{"ok":"yes"}"#] {
            let got = classify_as::<Value>("m", 200, None, body);
            assert!(
                matches!(
                    got,
                    Err(Failure::Retry {
                        maybe_posted: true,
                        ..
                    })
                ),
                "{got:?}"
            );
        }
    }

    #[test]
    fn invalid_blocks_naming_an_uploaded_file_is_slack_not_ready_for_it() {
        let refused = || Failure::Permanent("chat.update: invalid_blocks".into());
        assert_eq!(
            about_message("chat.update", &message(), refused()),
            refused()
        );
        let mut showing_file = message();
        showing_file.attachments[0].blocks.push(Block::SlackImage {
            slack_file: SlackFile { id: "F1".into() },
            alt_text: "chart".into(),
        });
        assert!(matches!(
            about_message("chat.update", &showing_file, refused()),
            Failure::NotReady(_)
        ));
        let body: Value = serde_json::from_slice(&body_of(&showing_file, None)).unwrap();
        assert_eq!(
            body["attachments"][0]["blocks"][0],
            serde_json::json!({"type": "image", "slack_file": {"id": "F1"}, "alt_text": "chart"})
        );
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
        let ratelimited = br#"{"ok":false,"error":"ratelimited"}"#;
        for (method, status, retry_after, body, wait_ms) in [
            ("chat.postMessage", 429, "7", &b""[..], 7000),
            ("chat.postMessage", 429, "soon", b"", 30_000),
            ("chat.update", 200, "3", ratelimited, 3000),
        ] {
            let got = classify(method, status, Some(retry_after), body);
            assert!(
                matches!(got, Err(Failure::Retry { after_ms: Some(ms), .. }) if ms == wait_ms),
                "{method} {status} {retry_after}: {got:?}"
            );
        }
    }

    #[test]
    fn waits_are_capped_and_only_rate_limits_and_unavailable_set_them() {
        let after = |status, retry_after, body: &[u8]| match classify(
            "chat.postMessage",
            status,
            Some(retry_after),
            body,
        ) {
            Err(Failure::Retry { after_ms, .. }) => after_ms,
            other => panic!("{other:?}"),
        };
        assert_eq!(after(503, "86400", b""), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(after(429, "86400", b""), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(after(503, "120", b""), Some(120_000));
        assert_eq!(after(500, "86400", b""), None);
        assert_eq!(after(502, "5", b""), None);
        let internal = br#"{"ok":false,"error":"internal_error"}"#;
        assert_eq!(after(200, "86400", internal), None);
        let limited = br#"{"ok":false,"error":"ratelimited"}"#;
        assert_eq!(after(200, "86400", limited), Some(MAX_RETRY_AFTER_MS));
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
    fn only_unclear_answers_may_have_posted() {
        let maybe = |status, body: &[u8]| match classify("chat.postMessage", status, None, body) {
            Err(Failure::Retry { maybe_posted, .. }) => maybe_posted,
            other => panic!("{other:?}"),
        };
        assert!(maybe(502, b""));
        assert!(maybe(200, b"<html>"));
        assert!(!maybe(429, b""));
        assert!(!maybe(200, br#"{"ok":false,"error":"ratelimited"}"#));
    }

    #[test]
    fn the_alerts_message_is_found_by_its_metadata() {
        let body = br#"{"ok":true,"messages":[
            {"ts":"3.0","text":"other"},
            {"ts":"2.0","metadata":{"event_type":"alertgraph_alert","event_payload":{"alert_id":8}}},
            {"ts":"1.0","metadata":{"event_type":"alertgraph_alert","event_payload":{"alert_id":7}}}
        ]}"#;
        let history = classify_as::<Value>("conversations.history", 200, None, body).unwrap();
        assert_eq!(find_in_history(&history, 7).as_deref(), Some("1.0"));
        assert_eq!(find_in_history(&history, 9), None);
        let refused = classify_as::<Value>(
            "conversations.history",
            200,
            None,
            br#"{"ok":false,"error":"missing_scope"}"#,
        );
        assert!(
            matches!(refused, Err(Failure::Misconfigured { channel: None, .. })),
            "looking up needs its own scope; the lookup's caller posts anyway"
        );
        assert_eq!(crate::percent::encode("C0 1/#"), "C0%201%2F%23");
    }

    #[test]
    fn configuration_faults_pause_the_token_or_the_channel() {
        let fault = |error: &str| {
            let body = format!(r#"{{"ok":false,"error":"{error}"}}"#);
            match classify("chat.postMessage", 200, None, body.as_bytes()) {
                Err(f) => f.in_channel("#alerts"),
                Ok(p) => panic!("{p:?}"),
            }
        };
        for error in [
            "invalid_auth",
            "token_revoked",
            "account_inactive",
            "missing_scope",
        ] {
            assert_eq!(
                fault(error),
                Failure::Misconfigured {
                    channel: None,
                    code: error.into(),
                    reason: format!("chat.postMessage: {error}"),
                }
            );
        }
        for error in ["channel_not_found", "not_in_channel", "is_archived"] {
            assert_eq!(
                fault(error),
                Failure::Misconfigured {
                    channel: Some("#alerts".into()),
                    code: error.into(),
                    reason: format!("chat.postMessage: {error}"),
                }
            );
        }
        for status in [401, 403, 404] {
            assert!(matches!(
                classify("chat.postMessage", status, None, b"denied"),
                Err(Failure::Misconfigured { channel: None, code, .. }) if code == format!("http_{status}")
            ));
        }
        for status in [400, 413, 422] {
            assert!(
                matches!(
                    classify("chat.postMessage", status, None, b""),
                    Err(Failure::Retry {
                        maybe_posted: false,
                        after_ms: None,
                        ..
                    })
                ),
                "HTTP {status}: tried again, never dropped at once"
            );
        }
    }

    #[test]
    fn our_mistakes_are_permanent() {
        for error in ["invalid_blocks", "msg_too_long", "something_new"] {
            let body = format!(r#"{{"ok":false,"error":"{error}"}}"#);
            let got = classify("chat.postMessage", 200, None, body.as_bytes());
            assert_eq!(
                got,
                Err(Failure::Permanent(format!("chat.postMessage: {error}")))
            );
        }
        assert!(matches!(
            classify("chat.postMessage", 200, None, br#"{"ok":true}"#),
            Err(Failure::Permanent(_))
        ));
    }
}
