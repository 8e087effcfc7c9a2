//! The alert history: `GET /api/history` (JSON) and the `/history` page (`page`, HTML). Both
//! read the same query (filters and paging) into the store's [`AlertFilter`], here.

pub mod page;
pub(crate) mod preview;

use std::fmt;

use serde_json::{json, Value};

use crate::percent;
use crate::rfc3339;
use crate::slack::message::{holding_silence, is_flapping, AlertView};
use crate::store::{AlertEntry, AlertFilter, AlertStatus, HistoryPage};

/// Most alerts on one page; the store clamps to the same bound.
const MAX_LIMIT: u32 = 500;

/// A query the history cannot answer; shown to the caller as one line.
#[derive(Debug, PartialEq)]
pub struct BadQuery(pub String);

impl fmt::Display for BadQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a history request asks for: the store's filter, and the query's own pairs (minus
/// `before`) for the link to the next page.
#[derive(Debug, PartialEq)]
pub struct Request {
    pub filter: AlertFilter,
    pub kept: Vec<(String, String)>,
}

/// Reads `alertname`, `label=name=value` (repeatable, all must match), `status`
/// (`firing`/`resolved`), `since` / `until` (RFC 3339, on startsAt), `before` (an alert id,
/// from the previous page) and `limit` (1–500, default 50). Empty values are ignored, so a
/// form's blank fields filter nothing.
pub fn parse_query(query: &str) -> Result<Request, BadQuery> {
    let mut filter = AlertFilter {
        alertname: None,
        labels: Vec::new(),
        status: None,
        since: None,
        until: None,
        before_id: None,
        limit: 0,
    };
    let mut kept = Vec::new();
    for (name, value) in percent::form_pairs(query.as_bytes()) {
        let (Some(name), Some(value)) = (name, value) else {
            return Err(BadQuery("query is not valid percent-encoded UTF-8".into()));
        };
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        match name.as_str() {
            "alertname" => filter.alertname = Some(value.clone()),
            "label" => {
                let (label, wanted) = value
                    .split_once('=')
                    .filter(|(label, _)| !label.is_empty())
                    .ok_or_else(|| BadQuery(format!("label {value:?} is not name=value")))?;
                filter.labels.push((label.to_owned(), wanted.to_owned()));
            }
            "status" => {
                filter.status = Some(match value.as_str() {
                    "firing" => AlertStatus::Firing,
                    "resolved" => AlertStatus::Resolved,
                    _ => {
                        return Err(BadQuery(format!(
                            "status {value:?} is neither firing nor resolved"
                        )))
                    }
                })
            }
            "since" => filter.since = Some(time(&name, &value)?),
            "until" => filter.until = Some(time(&name, &value)?),
            "before" => {
                filter.before_id = Some(
                    value
                        .parse::<i64>()
                        .ok()
                        .filter(|&id| id > 0)
                        .ok_or_else(|| BadQuery(format!("before {value:?} is not an alert id")))?,
                );
                continue;
            }
            "limit" => {
                filter.limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        BadQuery(format!(
                            "limit {value:?} is not a number from 1 to {MAX_LIMIT}"
                        ))
                    })?
            }
            _ => return Err(BadQuery(format!("unknown parameter {name:?}"))),
        }
        kept.push((name, value));
    }
    if let (Some(since), Some(until)) = (filter.since, filter.until) {
        if since >= until {
            return Err(BadQuery("since must be before until".into()));
        }
    }
    Ok(Request { filter, kept })
}

fn time(name: &str, value: &str) -> Result<i64, BadQuery> {
    rfc3339::parse_ms(value)
        .map_err(|why| BadQuery(format!("{name} {value:?} is not an RFC 3339 time: {why}")))
}

/// `path?<kept pairs>&before=<id>`: the next page, or none after the last.
pub fn next_link(
    path: &str,
    kept: &[(String, String)],
    next_before: Option<i64>,
) -> Option<String> {
    let before = next_before?;
    let mut link = format!("{path}?");
    for (name, value) in kept {
        link.push_str(&format!(
            "{}={}&",
            percent::encode(name),
            percent::encode(value)
        ));
    }
    link.push_str(&format!("before={before}"));
    Some(link)
}

/// A Slack link to a message: its channel and `ts` without the dot.
pub fn message_url(channel: &str, ts: &str) -> String {
    format!(
        "https://slack.com/archives/{}/p{}",
        percent::encode(channel),
        ts.replace('.', "")
    )
}

/// Where the chart of a token is served: under BASE_URL when set, else on this host.
pub fn chart_url(base_url: Option<&str>, token: &str) -> String {
    format!("{}/api/chart/{token}.png", base_url.unwrap_or(""))
}

/// The `GET /api/history` body.
pub fn json(page: &HistoryPage, request: &Request, base_url: Option<&str>, now: i64) -> String {
    let alerts: Vec<Value> = page
        .entries
        .iter()
        .map(|e| entry_json(e, base_url, now))
        .collect();
    json!({
        "alerts": alerts,
        "next": next_link("/api/history", &request.kept, page.next_before),
    })
    .to_string()
}

fn entry_json(entry: &AlertEntry, base_url: Option<&str>, now: i64) -> Value {
    let stored = &entry.alert;
    let alert = &stored.alert;
    let object = |pairs: &[(String, String)]| -> Value {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let firing = alert.status == AlertStatus::Firing;
    let mut transitions = vec![(alert.starts_at, json!({"state": "firing"}))];
    if let Some(ack) = &stored.acknowledged {
        transitions.push((ack.at, json!({"state": "acknowledged", "by": ack.user_id})));
    }
    if let (false, Some(ends)) = (firing, alert.ends_at) {
        transitions.push((ends, json!({"state": "resolved"})));
    }
    transitions.sort_by_key(|(at, _)| *at);
    let transitions: Vec<Value> = transitions
        .into_iter()
        .map(|(at, mut t)| {
            t["at"] = rfc3339::format_ms(at).into();
            t
        })
        .collect();
    let ended = if firing {
        now
    } else {
        alert.ends_at.unwrap_or(now)
    };
    json!({
        "id": stored.id,
        "alertname": AlertView::of(alert).alertname,
        "fingerprint": alert.fingerprint,
        "status": if firing { "firing" } else { "resolved" },
        "labels": object(&alert.labels),
        "annotations": object(&alert.annotations),
        "starts_at": rfc3339::format_ms(alert.starts_at),
        "ends_at": alert.ends_at.filter(|_| !firing).map(rfc3339::format_ms),
        "duration_ms": ended.saturating_sub(alert.starts_at).max(0),
        "transitions": transitions,
        "acknowledged": stored.acknowledged.as_ref().map(|a| json!({
            "by": a.user_id, "at": rfc3339::format_ms(a.at),
        })),
        "silenced": holding_silence(alert.status, stored.silenced.as_ref(), now).map(|s| json!({
            "by": s.user_id, "until": rfc3339::format_ms(s.until), "silence_id": s.id,
        })),
        "message": entry.message.as_ref().map(|m| json!({
            "channel": m.channel, "ts": m.ts, "url": message_url(&m.channel, &m.ts),
        })),
        "chart_url": entry.chart_token.as_deref().map(|t| chart_url(base_url, t)),
        "dead_lettered": entry.dead_lettered,
        "history": {
            "fired_last_week": entry.history.fired_last_week,
            "changes_last_hour": entry.history.changes_last_hour,
            "previous_duration_ms": entry.history.previous_duration_ms,
            "flapping": is_flapping(&entry.history),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        Acknowledgement, Alert, AlertHistory, AlertSilence, ChatMessage, StoredAlert,
    };

    pub fn entry(id: i64, status: AlertStatus, changes_last_hour: u32) -> AlertEntry {
        let resolved = status == AlertStatus::Resolved;
        AlertEntry {
            alert: StoredAlert {
                id,
                alert: Alert {
                    fingerprint: format!("fp{id}"),
                    status,
                    labels: vec![
                        ("alertname".into(), format!("Alert{id}")),
                        ("service".into(), "checkout".into()),
                    ],
                    annotations: vec![("summary".into(), format!("<b>summary</b> {id}"))],
                    starts_at: 1_795_639_651_731,
                    ends_at: resolved.then_some(1_795_639_651_731 + 90_000),
                    generator_url: "http://127.0.0.1:9/graph".into(),
                },
                received_at: 1_795_639_651_731,
                updated_at: 1_795_639_651_731,
                acknowledged: None,
                silenced: None,
            },
            message: None,
            chart_token: None,
            dead_lettered: None,
            history: AlertHistory {
                fired_last_week: 1,
                previous_duration_ms: None,
                changes_last_hour,
            },
        }
    }

    fn request(query: &str) -> Request {
        parse_query(query).unwrap()
    }

    #[test]
    fn every_filter_is_read() {
        let r = request(
            "alertname=HighErrorRate&label=service%3Dcheckout&label=env=prod&status=resolved\
             &since=2026-11-25T00:00:00Z&until=2026-11-26T00:00:00Z&before=40&limit=10",
        );
        let f = &r.filter;
        assert_eq!(f.alertname.as_deref(), Some("HighErrorRate"));
        assert_eq!(
            f.labels,
            [
                ("service".to_owned(), "checkout".to_owned()),
                ("env".into(), "prod".into())
            ]
        );
        assert_eq!(f.status, Some(AlertStatus::Resolved));
        assert_eq!(f.since, Some(1_795_564_800_000));
        assert_eq!(f.until, Some(1_795_651_200_000));
        assert_eq!((f.before_id, f.limit), (Some(40), 10));
        assert_eq!(r.kept.len(), 7, "all but before");
        assert_eq!(
            next_link("/history", &r.kept[..2], Some(31)).unwrap(),
            "/history?alertname=HighErrorRate&label=service%3Dcheckout&before=31"
        );
        assert_eq!(next_link("/history", &r.kept, None), None);
    }

    #[test]
    fn blank_fields_filter_nothing() {
        let r = request("alertname=&label=+&status=&limit=");
        assert_eq!(r, request(""));
        assert_eq!(r.filter.limit, 0, "the store's default");
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        for (query, reason) in [
            (
                "status=burning",
                "status \"burning\" is neither firing nor resolved",
            ),
            ("label=service", "label \"service\" is not name=value"),
            ("label==x", "label \"=x\" is not name=value"),
            (
                "since=yesterday",
                "since \"yesterday\" is not an RFC 3339 time: too short",
            ),
            ("before=0", "before \"0\" is not an alert id"),
            ("limit=501", "limit \"501\" is not a number from 1 to 500"),
            ("limit=-1", "limit \"-1\" is not a number from 1 to 500"),
            ("sort=asc", "unknown parameter \"sort\""),
            ("alertname=%ff", "query is not valid percent-encoded UTF-8"),
            (
                "since=2026-11-26T00:00:00Z&until=2026-11-25T00:00:00Z",
                "since must be before until",
            ),
        ] {
            assert_eq!(parse_query(query), Err(BadQuery(reason.into())), "{query}");
        }
    }

    #[test]
    fn json_entries_tell_transitions_durations_and_links() {
        let mut resolved = entry(7, AlertStatus::Resolved, 5);
        resolved.alert.acknowledged = Some(Acknowledgement {
            user_id: "U1".into(),
            at: 1_795_639_651_731 + 30_000,
        });
        resolved.message = Some(ChatMessage {
            channel: "C0123".into(),
            ts: "1795639652.000100".into(),
        });
        resolved.chart_token = Some("ab".repeat(16));
        let mut firing = entry(8, AlertStatus::Firing, 1);
        firing.dead_lettered = Some("chat.postMessage: invalid_blocks".into());
        firing.alert.silenced = Some(AlertSilence {
            id: "s1".into(),
            user_id: "U2".into(),
            until: 1_795_639_651_731 + 3_600_000,
        });
        let page = HistoryPage {
            entries: vec![firing, resolved],
            next_before: Some(7),
        };
        let now = 1_795_639_651_731 + 60_000;
        let body: Value = serde_json::from_str(&json(
            &page,
            &request("status="),
            Some("https://ag.example"),
            now,
        ))
        .unwrap();
        assert_eq!(body["next"], "/api/history?before=7");
        let [firing, resolved] = body["alerts"].as_array().unwrap().as_slice() else {
            panic!("{body}")
        };
        assert_eq!(firing["status"], "firing");
        assert_eq!(firing["duration_ms"], 60_000, "firing so far");
        assert_eq!(firing["ends_at"], Value::Null);
        assert_eq!(firing["silenced"]["by"], "U2");
        assert_eq!(firing["message"], Value::Null);
        assert_eq!(firing["dead_lettered"], "chat.postMessage: invalid_blocks");
        assert_eq!(resolved["dead_lettered"], Value::Null);
        assert_eq!(resolved["alertname"], "Alert7");
        assert_eq!(resolved["labels"]["service"], "checkout");
        assert_eq!(resolved["duration_ms"], 90_000);
        assert_eq!(resolved["ends_at"], "2026-11-25T20:49:01.731Z");
        assert_eq!(
            resolved["transitions"],
            json!([
                {"state": "firing", "at": "2026-11-25T20:47:31.731Z"},
                {"state": "acknowledged", "by": "U1", "at": "2026-11-25T20:48:01.731Z"},
                {"state": "resolved", "at": "2026-11-25T20:49:01.731Z"},
            ])
        );
        assert_eq!(
            resolved["message"]["url"],
            "https://slack.com/archives/C0123/p1795639652000100"
        );
        assert_eq!(
            resolved["chart_url"],
            format!("https://ag.example/api/chart/{}.png", "ab".repeat(16))
        );
        assert_eq!(resolved["history"]["flapping"], true);
        assert_eq!(firing["history"]["flapping"], false);
    }
}
