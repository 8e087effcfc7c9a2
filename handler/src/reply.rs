//! Responses as plain values (status, headers, body), so what each outcome answers is testable
//! without a host; the HTTP edge only sends them.

use crate::store::{Chart, Recorded, StoreError};

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A one-line text body: line breaks inside `line` are flattened, one `\n` ends it.
    pub fn text(status: u16, line: &str) -> Self {
        let mut body: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        body.push('\n');
        Self::new(status, "text/plain; charset=utf-8", body)
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The answer to HEAD: the GET's headers and length, no body.
    pub fn without_body(mut self) -> Self {
        let length = self.body.len().to_string();
        self.body.clear();
        self.header("content-length", length)
    }
}

/// `GET /api/chart/<token>.png`. A token names one rendering forever (a re-render gets a new
/// token), so caches may keep it.
pub fn chart(found: Result<Option<Chart>, StoreError>) -> Reply {
    match found {
        Ok(Some(chart)) => Reply::new(200, "image/png", chart.png)
            .header("cache-control", "public, max-age=31536000, immutable")
            .header("x-content-type-options", "nosniff"),
        Ok(None) => Reply::text(404, "no such chart"),
        Err(e) => Reply::text(503, &format!("chart unavailable: {}", describe(&e))),
    }
}

/// 405 with the `Allow` header.
pub fn wrong_method(method: &str, path: &str, allow: &'static str) -> Reply {
    Reply::text(
        405,
        &format!("method {method} not allowed on {path} (allow: {allow})"),
    )
    .header("allow", allow)
}

/// 200 once the store has committed the webhook.
pub fn recorded(r: &Recorded) -> Reply {
    let json = format!(
        r#"{{"status":"ok","new":{},"resolved":{},"repeats":{},"jobs":{}}}"#,
        r.new_alerts, r.resolved_alerts, r.repeats, r.jobs_enqueued
    );
    Reply::new(200, "application/json", json)
}

/// A store failure while recording `what` (a webhook, a click): always 5xx, so the sender
/// retries (Alertmanager does; Slack shows the user an error).
pub fn store_failure(what: &str, e: &StoreError) -> Reply {
    let advice = match e {
        StoreError::Full(_) => {
            "; free disk space where the database lives, or lower HISTORY_RETENTION and \
             CHART_RETENTION so the next sweep makes room"
        }
        _ => "",
    };
    let reply = Reply::text(
        match e {
            StoreError::Busy(_) => 503,
            StoreError::Full(_) => 507,
            StoreError::Invalid(_) | StoreError::Database(_) => 500,
        },
        &format!("could not record the {what}: {}{advice}", describe(e)),
    );
    match e {
        StoreError::Busy(_) => reply.header("retry-after", "1"),
        _ => reply,
    }
}

/// One line for any store error.
pub fn describe(e: &StoreError) -> String {
    match e {
        StoreError::Busy(m) => format!("store busy: {m}"),
        StoreError::Full(m) => format!("store full: {m}"),
        StoreError::Invalid(m) => format!("store refused the input: {m}"),
        StoreError::Database(m) => format!("database error: {m}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{chart, recorded, store_failure, wrong_method, Reply};
    use crate::store::{Chart, Recorded, StoreError};

    fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
        reply
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn text_is_one_line_ending_in_newline() {
        let reply = Reply::text(400, "bad\r\nthing\there");
        assert_eq!(reply.body, b"bad  thing here\n");
        assert_eq!(
            header(&reply, "content-type"),
            Some("text/plain; charset=utf-8")
        );
    }

    #[test]
    fn charts_are_immutable_pngs_and_unknown_tokens_404() {
        let found = chart(Ok(Some(Chart {
            alert_id: 1,
            png: vec![0x89, b'P', b'N', b'G'],
            created_at: 0,
        })));
        assert_eq!(found.status, 200);
        assert_eq!(header(&found, "content-type"), Some("image/png"));
        assert!(header(&found, "cache-control")
            .unwrap()
            .contains("immutable"));
        let head = found.without_body();
        assert!(head.body.is_empty());
        assert_eq!(header(&head, "content-length"), Some("4"));

        assert_eq!(chart(Ok(None)).status, 404);
        let busy = chart(Err(StoreError::Busy("locked".into())));
        assert_eq!(busy.status, 503);
        assert_eq!(busy.body, b"chart unavailable: store busy: locked\n");
    }

    #[test]
    fn recorded_json() {
        let reply = recorded(&Recorded {
            new_alerts: 1,
            resolved_alerts: 0,
            repeats: 2,
            jobs_enqueued: 1,
        });
        assert_eq!(reply.status, 200);
        assert_eq!(header(&reply, "content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"status":"ok","new":1,"resolved":0,"repeats":2,"jobs":1})
        );
    }

    #[test]
    fn store_failures_are_5xx() {
        let busy = store_failure("webhook", &StoreError::Busy("locked".into()));
        assert_eq!(busy.status, 503);
        assert_eq!(header(&busy, "retry-after"), Some("1"));
        assert_eq!(
            busy.body,
            b"could not record the webhook: store busy: locked\n"
        );
        let full = store_failure("webhook", &StoreError::Full("disk".into()));
        assert_eq!((full.status, header(&full, "retry-after")), (507, None));
        assert_eq!(
            String::from_utf8_lossy(&full.body),
            "could not record the webhook: store full: disk; free disk space where the database \
             lives, or lower HISTORY_RETENTION and CHART_RETENTION so the next sweep makes room\n"
        );
        assert_eq!(
            store_failure("webhook", &StoreError::Invalid("x".into())).status,
            500
        );
        let db = store_failure("webhook", &StoreError::Database("io\nerror".into()));
        assert_eq!(db.status, 500);
        assert_eq!(
            db.body,
            b"could not record the webhook: database error: io error\n"
        );
    }

    #[test]
    fn wrong_method_sets_allow() {
        let reply = wrong_method("GET", "/api/alerts", "POST");
        assert_eq!(reply.status, 405);
        assert_eq!(header(&reply, "allow"), Some("POST"));
        assert_eq!(
            reply.body,
            b"method GET not allowed on /api/alerts (allow: POST)\n"
        );
    }
}
