//! Alertmanager's silences API (v2): a silence matching an alert's labels exactly, made for
//! a Slack click, and expired by "Unsilence". Bodies and answers are plain functions; only the
//! [`Alertmanager`] methods do I/O (Spin's outbound HTTP).

use serde::Deserialize;
use serde_json::json;

use crate::delivery::seams::Silences;
use crate::delivery::Failure;
use crate::text::one_line;

/// Where Alertmanager's API is: `ALERTMANAGER_URL` without a trailing slash.
pub struct Alertmanager {
    pub url: String,
}

/// A silence to create.
pub struct SilenceSpec<'a> {
    /// The alert's silence made earlier: Alertmanager replaces it (a new end, same matchers).
    pub replaces: Option<&'a str>,
    pub labels: &'a [(String, String)],
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_by: &'a str,
    /// Ends with the marker that lets a retry find a silence an earlier attempt made.
    pub comment: &'a str,
}

/// The `POST /api/v2/silences` body: one exact matcher per label.
pub fn silence_body(spec: &SilenceSpec) -> Vec<u8> {
    let matchers: Vec<_> = spec
        .labels
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value, "isRegex": false, "isEqual": true}))
        .collect();
    let mut body = json!({
        "matchers": matchers,
        "startsAt": crate::rfc3339::format_ms(spec.starts_at_ms),
        "endsAt": crate::rfc3339::format_ms(spec.ends_at_ms),
        "createdBy": spec.created_by,
        "comment": spec.comment,
    });
    if let Some(id) = spec.replaces {
        body["id"] = id.into();
    }
    body.to_string().into_bytes()
}

#[derive(Deserialize)]
struct Created {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

#[derive(Deserialize)]
struct Listed {
    id: String,
    comment: String,
    status: ListedStatus,
}

#[derive(Deserialize)]
struct ListedStatus {
    state: String,
}

#[derive(Deserialize)]
struct Held {
    fingerprint: String,
    #[serde(rename = "endsAt")]
    ends_at: String,
}

/// What came of a request, before it is read.
enum Answer {
    Ok(Vec<u8>),
    /// 404: the silence (to replace or expire) is gone.
    NotFound,
}

/// Classifies an answer: 2xx is read, 404 is told apart, 4xx cannot pass, the rest can.
fn classify(what: &str, status: u16, body: Vec<u8>) -> Result<Answer, Failure> {
    let reason = || {
        let text = String::from_utf8_lossy(&body);
        format!(
            "Alertmanager {what}: HTTP {status}: {}",
            one_line(&text.chars().take(200).collect::<String>())
        )
    };
    match status {
        200..=299 => Ok(Answer::Ok(body)),
        404 => Ok(Answer::NotFound),
        400..=499 => Err(Failure::Permanent(reason())),
        _ => Err(Failure::Retry {
            after_ms: None,
            reason: reason(),
            maybe_posted: false,
        }),
    }
}

fn unreadable(what: &str, e: serde_json::Error) -> Failure {
    Failure::Permanent(format!("Alertmanager {what}: unreadable answer: {e}"))
}

/// The id of a silence Alertmanager created; `None` when the silence to replace is gone.
pub fn parse_created(status: u16, body: Vec<u8>) -> Result<Option<String>, Failure> {
    match classify("silence", status, body)? {
        Answer::Ok(body) => serde_json::from_slice::<Created>(&body)
            .map(|c| Some(c.silence_id))
            .map_err(|e| unreadable("silence", e)),
        Answer::NotFound => Ok(None),
    }
}

/// A live (active or pending) silence whose comment ends with `marker`.
pub fn find_marked(status: u16, body: Vec<u8>, marker: &str) -> Result<Option<String>, Failure> {
    let Answer::Ok(body) = classify("silences", status, body)? else {
        return Err(Failure::Permanent(NOT_FOUND.into()));
    };
    let listed: Vec<Listed> =
        serde_json::from_slice(&body).map_err(|e| unreadable("silences", e))?;
    Ok(listed
        .into_iter()
        .find(|s| s.status.state != "expired" && s.comment.ends_with(marker))
        .map(|s| s.id))
}

/// The `GET /api/v2/alerts` query for the alerts of `alertname`.
pub fn alerts_query(alertname: &str) -> String {
    let escaped = alertname.replace('\\', "\\\\").replace('"', "\\\"");
    let matcher = format!("alertname=\"{escaped}\"");
    format!("alerts?filter={}", crate::percent::encode(&matcher))
}

/// Whether the alert `fingerprint` is among the alerts Alertmanager holds with an end still
/// ahead of `now` (it lists no resolved ones, and keeps a firing one's end ahead).
pub fn holds_firing(
    status: u16,
    body: Vec<u8>,
    fingerprint: &str,
    now: i64,
) -> Result<bool, Failure> {
    let Answer::Ok(body) = classify("alerts", status, body)? else {
        return Err(Failure::Permanent(NOT_FOUND.into()));
    };
    let held: Vec<Held> = serde_json::from_slice(&body).map_err(|e| unreadable("alerts", e))?;
    Ok(held.iter().any(|a| {
        a.fingerprint == fingerprint
            && crate::rfc3339::parse_ms(&a.ends_at).map_or(true, |ends| ends > now)
    }))
}

/// A 404 where the API must answer: the URL is not Alertmanager's.
const NOT_FOUND: &str = "Alertmanager: HTTP 404 (is ALERTMANAGER_URL its base URL?)";

impl Silences for Alertmanager {
    /// Whether Alertmanager still holds the alert firing.
    async fn is_firing(
        &self,
        alertname: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<bool, Failure> {
        let (status, body) = self
            .send(
                spin_sdk::http::Method::Get,
                &alerts_query(alertname),
                Vec::new(),
            )
            .await?;
        holds_firing(status, body, fingerprint, now)
    }

    /// Creates the silence (or replaces `spec.replaces`) and returns its id.
    async fn create_silence(&self, spec: &SilenceSpec<'_>) -> Result<String, Failure> {
        let (status, body) = self
            .send(spin_sdk::http::Method::Post, "silences", silence_body(spec))
            .await?;
        match parse_created(status, body)? {
            Some(id) => Ok(id),
            // The silence to replace expired and was dropped: a new one takes its place.
            None if spec.replaces.is_some() => {
                let fresh = SilenceSpec {
                    replaces: None,
                    ..*spec
                };
                let (status, body) = self
                    .send(
                        spin_sdk::http::Method::Post,
                        "silences",
                        silence_body(&fresh),
                    )
                    .await?;
                parse_created(status, body)?.ok_or_else(|| Failure::Permanent(NOT_FOUND.into()))
            }
            None => Err(Failure::Permanent(NOT_FOUND.into())),
        }
    }

    /// A live silence an earlier attempt made, found by the marker its comment ends with.
    async fn find_silence(&self, marker: &str) -> Result<Option<String>, Failure> {
        let (status, body) = self
            .send(spin_sdk::http::Method::Get, "silences", Vec::new())
            .await?;
        find_marked(status, body, marker)
    }

    /// Expires the silence; one already gone counts as expired.
    async fn expire_silence(&self, id: &str) -> Result<(), Failure> {
        let path = format!("silence/{}", crate::percent::encode(id));
        let (status, body) = self
            .send(spin_sdk::http::Method::Delete, &path, Vec::new())
            .await?;
        let text = String::from_utf8_lossy(&body);
        // Older Alertmanagers answer 500 for a silence that expired on its own.
        if status == 500 && text.contains("already expired") {
            return Ok(());
        }
        classify("expire", status, body).map(drop)
    }
}

impl Alertmanager {
    /// One API request: status and body; no answer at all is worth a retry.
    async fn send(
        &self,
        method: spin_sdk::http::Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(u16, Vec<u8>), Failure> {
        let request = spin_sdk::http::Request::builder()
            .method(method)
            .uri(format!("{}/api/v2/{path}", self.url))
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(body)
            .build();
        let response = crate::outbound::send(request, "Alertmanager unreachable", false).await?;
        Ok((*response.status(), response.into_body()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<(String, String)> {
        vec![
            ("alertname".into(), "HighErrorRate".into()),
            ("service".into(), "checkout \"eu\"".into()),
        ]
    }

    #[test]
    fn a_silence_matches_every_label_exactly() {
        let labels = labels();
        let spec = SilenceSpec {
            replaces: None,
            labels: &labels,
            starts_at_ms: 0,
            ends_at_ms: 3_600_000,
            created_by: "ada",
            comment: "Silenced from Slack · alertgraph job 7",
        };
        let body: serde_json::Value = serde_json::from_slice(&silence_body(&spec)).unwrap();
        assert_eq!(
            body,
            json!({
                "matchers": [
                    {"name": "alertname", "value": "HighErrorRate", "isRegex": false, "isEqual": true},
                    {"name": "service", "value": "checkout \"eu\"", "isRegex": false, "isEqual": true},
                ],
                "startsAt": "1970-01-01T00:00:00.000Z",
                "endsAt": "1970-01-01T01:00:00.000Z",
                "createdBy": "ada",
                "comment": "Silenced from Slack · alertgraph job 7",
            })
        );
        let replacing = SilenceSpec {
            replaces: Some("abc"),
            ..spec
        };
        let body: serde_json::Value = serde_json::from_slice(&silence_body(&replacing)).unwrap();
        assert_eq!(body["id"], "abc");
    }

    #[test]
    fn answers_are_classified_by_cause() {
        assert_eq!(
            parse_created(200, br#"{"silenceID":"8e2c"}"#.to_vec()),
            Ok(Some("8e2c".into()))
        );
        assert_eq!(parse_created(404, b"silence not found".to_vec()), Ok(None));
        assert!(matches!(
            parse_created(400, b"bad matchers\n".to_vec()),
            Err(Failure::Permanent(r)) if r == "Alertmanager silence: HTTP 400: bad matchers"
        ));
        assert!(matches!(
            parse_created(503, Vec::new()),
            Err(Failure::Retry {
                maybe_posted: false,
                ..
            })
        ));
        assert!(matches!(
            parse_created(200, b"{}".to_vec()),
            Err(Failure::Permanent(_))
        ));
    }

    #[test]
    fn an_alert_is_firing_while_alertmanager_holds_it_with_an_end_ahead() {
        let now = 1_795_639_651_731;
        let held = br#"[
            {"fingerprint": "aa", "endsAt": "2026-11-25T20:52:31.731Z", "status": {"state": "suppressed"}},
            {"fingerprint": "bb", "endsAt": "2026-11-25T20:40:00.000Z", "status": {"state": "active"}}
        ]"#;
        assert_eq!(holds_firing(200, held.to_vec(), "aa", now), Ok(true));
        assert_eq!(
            holds_firing(200, held.to_vec(), "bb", now),
            Ok(false),
            "ended"
        );
        assert_eq!(
            holds_firing(200, held.to_vec(), "cc", now),
            Ok(false),
            "gone"
        );
        assert!(holds_firing(404, Vec::new(), "aa", now).is_err());
        assert!(matches!(
            holds_firing(502, Vec::new(), "aa", now),
            Err(Failure::Retry { .. })
        ));
        assert_eq!(
            alerts_query(r#"Disk"Full\"#),
            "alerts?filter=alertname%3D%22Disk%5C%22Full%5C%5C%22"
        );
    }

    #[test]
    fn a_retry_finds_the_live_silence_an_earlier_attempt_made() {
        let listed = r#"[
            {"id": "old", "comment": "x · alertgraph job 7", "status": {"state": "expired"}},
            {"id": "other", "comment": "x · alertgraph job 77", "status": {"state": "active"}},
            {"id": "mine", "comment": "x · alertgraph job 7", "status": {"state": "active"}}
        ]"#
        .as_bytes();
        assert_eq!(
            find_marked(200, listed.to_vec(), "alertgraph job 7"),
            Ok(Some("mine".into()))
        );
        assert_eq!(
            find_marked(200, b"[]".to_vec(), "alertgraph job 7"),
            Ok(None)
        );
        assert!(find_marked(404, Vec::new(), "m").is_err());
        assert!(find_marked(200, b"{".to_vec(), "m").is_err());
    }
}
