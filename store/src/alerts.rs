//! Reading stored alerts: one by id, or a filtered page, newest first (alone, or with what
//! the history shows beside each).

use crate::api::{
    Acknowledgement, Alert, AlertEntry, AlertFilter, AlertHistory, AlertPage, AlertSilence,
    AlertStatus, HistoryPage, StoreError, StoredAlert, Timestamp,
};
use crate::db::{int, query_opt_with, text, Db, Row, Value};
use crate::errors::corrupt;
use crate::retention::HISTORY_WINDOW_MS;
use crate::webhook::status_name;
use crate::{charts, labels, messages, tx};

/// Page size when the filter asks for 0.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page, so one call stays a bounded amount of work.
pub const MAX_LIMIT: u32 = 500;

const COLUMNS: &str = "id, fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, received_at, updated_at, acknowledged_by, acknowledged_at, silence_id, silenced_by, silenced_until";

pub fn get(db: &dyn Db, id: i64) -> Result<Option<StoredAlert>, StoreError> {
    query_opt_with(
        db,
        &format!("SELECT {COLUMNS} FROM alerts WHERE id = ?"),
        &[int(id)],
        stored_alert,
    )
}

const HOUR_MS: i64 = 3600 * 1000;

/// The alert's past as its message tells it; `None` for an unknown alert. Swept alerts
/// still count: their spans live on in `past_firings` (see `retention`).
pub fn history(db: &dyn Db, id: i64, now: Timestamp) -> Result<Option<AlertHistory>, StoreError> {
    query_opt_with(
        db,
        "WITH a AS (SELECT fingerprint, starts_at FROM alerts WHERE id = ?1),
         spans AS (
           SELECT f.starts_at, f.status = 'resolved' AS resolved, f.ends_at
           FROM alerts AS f, a WHERE f.fingerprint = a.fingerprint
           UNION ALL
           SELECT p.starts_at, 1, p.ends_at
           FROM past_firings AS p, a WHERE p.fingerprint = a.fingerprint)
         SELECT
           (SELECT COUNT(*) FROM spans
            WHERE starts_at > ?2 - ?3 AND starts_at <= a.starts_at),
           (SELECT CASE WHEN resolved THEN ends_at - starts_at END FROM spans
            WHERE starts_at < a.starts_at ORDER BY starts_at DESC LIMIT 1),
           (SELECT COALESCE(SUM(starts_at > ?2 - ?4 AND starts_at <= ?2)
                          + SUM(resolved AND ends_at > ?2 - ?4 AND ends_at <= ?2), 0)
            FROM spans)
         FROM a",
        &[int(id), int(now), int(HISTORY_WINDOW_MS), int(HOUR_MS)],
        |r| {
            let small =
                |i| u32::try_from(r.count(i)?).map_err(|_| corrupt("history: count too large"));
            Ok(AlertHistory {
                fired_last_week: small(0)?,
                previous_duration_ms: r.opt_int(1)?,
                changes_last_hour: small(2)?,
            })
        },
    )
}

/// Alerts matching every given criterion, newest (highest id) first, keyset-paginated.
pub fn list(db: &dyn Db, filter: &AlertFilter) -> Result<AlertPage, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM alerts WHERE 1 = 1");
    let mut params: Vec<Value> = Vec::new();
    let mut and = |clause: &str, values: Vec<Value>| {
        sql.push_str(" AND ");
        sql.push_str(clause);
        params.extend(values);
    };
    if let Some(name) = &filter.alertname {
        and("alertname = ?", vec![text(name)]);
    }
    for (name, value) in &filter.labels {
        // Labels are a JSON object; json_each lists its members as (key, value).
        and(
            "EXISTS (SELECT 1 FROM json_each(alerts.labels) WHERE key = ? AND value = ?)",
            vec![text(name), text(value)],
        );
    }
    if let Some(status) = filter.status {
        and("status = ?", vec![text(status_name(status))]);
    }
    if let Some(since) = filter.since {
        and("starts_at >= ?", vec![int(since)]);
    }
    if let Some(until) = filter.until {
        and("starts_at < ?", vec![int(until)]);
    }
    if let Some(before) = filter.before_id {
        and("id < ?", vec![int(before)]);
    }
    let limit = clamp_limit(filter.limit);
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    params.push(int(i64::from(limit)));

    let alerts = db
        .execute(&sql, &params)?
        .iter()
        .map(|r| stored_alert(Row(r)))
        .collect::<Result<Vec<_>, _>>()?;
    // A full page may have a successor; a short one is the last.
    let next_before = match alerts.last() {
        Some(last) if alerts.len() == limit as usize => Some(last.id),
        _ => None,
    };
    Ok(AlertPage {
        alerts,
        next_before,
    })
}

/// A page of [`list`], each alert with its message, newest chart and history, read in one
/// transaction so the page is consistent.
pub fn list_history(
    db: &dyn Db,
    filter: &AlertFilter,
    now: Timestamp,
) -> Result<HistoryPage, StoreError> {
    tx::read(db, || {
        let page = list(db, filter)?;
        let entries = page
            .alerts
            .into_iter()
            .map(|alert| {
                Ok(AlertEntry {
                    message: messages::find(db, alert.id)?,
                    chart_token: charts::latest_token(db, alert.id)?,
                    history: history(db, alert.id, now)?
                        .ok_or_else(|| corrupt("an alert listed vanished"))?,
                    dead_lettered: crate::outbox::dead_reason(db, alert.id)?,
                    alert,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(HistoryPage {
            entries,
            next_before: page.next_before,
        })
    })
}

/// 0 means the default; anything else is kept within 1..=MAX_LIMIT.
pub fn clamp_limit(limit: u32) -> u32 {
    if limit == 0 {
        DEFAULT_LIMIT
    } else {
        limit.min(MAX_LIMIT)
    }
}

/// Decode a row selected with [`COLUMNS`].
fn stored_alert(row: Row<'_>) -> Result<StoredAlert, StoreError> {
    Ok(StoredAlert {
        id: row.int(0)?,
        alert: Alert {
            fingerprint: row.text(1)?,
            status: parse_status(&row.text(2)?)?,
            labels: labels::from_json(&row.text(3)?)?,
            annotations: labels::from_json(&row.text(4)?)?,
            starts_at: row.int(5)?,
            ends_at: row.opt_int(6)?,
            generator_url: row.text(7)?,
        },
        received_at: row.int(8)?,
        updated_at: row.int(9)?,
        acknowledged: match (row.opt_text(10)?, row.opt_int(11)?) {
            (Some(user_id), Some(at)) => Some(Acknowledgement { user_id, at }),
            _ => None,
        },
        silenced: match (row.opt_text(12)?, row.opt_text(13)?, row.opt_int(14)?) {
            (Some(id), Some(user_id), Some(until)) => Some(AlertSilence { id, user_id, until }),
            _ => None,
        },
    })
}

fn parse_status(name: &str) -> Result<AlertStatus, StoreError> {
    match name {
        "firing" => Ok(AlertStatus::Firing),
        "resolved" => Ok(AlertStatus::Resolved),
        other => Err(corrupt(&format!("alert status {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{alert, fixture_firing, hook, NativeDb};
    use crate::webhook;

    fn filter() -> AlertFilter {
        AlertFilter {
            alertname: None,
            labels: Vec::new(),
            status: None,
            since: None,
            until: None,
            before_id: None,
            limit: 0,
        }
    }

    #[test]
    fn history_counts_firings_and_changes_and_tells_the_last_duration() {
        const MIN: i64 = 60_000;
        const DAY: i64 = 24 * 60 * MIN;
        let db = NativeDb::memory();
        let now = 30 * DAY;
        let record = |fingerprint: &str, starts: i64, ends: Option<i64>| {
            let status = match ends {
                Some(_) => AlertStatus::Resolved,
                None => AlertStatus::Firing,
            };
            let mut a = alert(fingerprint, status, starts, &[]);
            a.ends_at = ends;
            webhook::record(&db, &hook(vec![a]), now, 1, u32::MAX).unwrap();
        };
        record("x", now - 8 * DAY, Some(now - 8 * DAY + 5 * MIN)); // outside the week
        record("x", now - 2 * DAY, Some(now - 2 * DAY + 12 * MIN));
        record("x", now - 50 * MIN, Some(now - 30 * MIN)); // two changes in the hour
        record("x", now - 10 * MIN, None); // a third
        record("y", now - 5 * MIN, None); // another alert
        let got = |id| history(&db, id, now).unwrap();
        assert_eq!(
            got(4),
            Some(AlertHistory {
                fired_last_week: 3,
                previous_duration_ms: Some(20 * MIN),
                changes_last_hour: 3,
            })
        );
        // An older firing counts only what came before it.
        assert_eq!(
            got(2),
            Some(AlertHistory {
                fired_last_week: 1,
                previous_duration_ms: Some(5 * MIN),
                changes_last_hour: 3,
            })
        );
        assert_eq!(
            got(1).unwrap().previous_duration_ms,
            None,
            "the first firing"
        );
        assert_eq!(got(5).unwrap().fired_last_week, 1);
        assert_eq!(got(5).unwrap().changes_last_hour, 1);
        assert_eq!(got(99), None);
    }

    #[test]
    fn history_entries_carry_the_message_the_newest_chart_and_the_past() {
        let db = sample();
        let message = crate::api::ChatMessage {
            channel: "C1".into(),
            ts: "1.2".into(),
        };
        messages::save(&db, 5, &message, "#alerts", 10, false).unwrap();
        let older = charts::save(&db, 5, vec![1], 10).unwrap();
        let newer = charts::save(&db, 5, vec![2], 20).unwrap();
        assert_ne!(older, newer);
        let page = list_history(
            &db,
            &AlertFilter {
                limit: 2,
                ..filter()
            },
            10_000,
        )
        .unwrap();
        let got: Vec<_> = page
            .entries
            .iter()
            .map(|e| (e.alert.id, e.message.clone(), e.chart_token.clone()))
            .collect();
        assert_eq!(
            got,
            [(6, None, None), (5, Some(message), Some(newer))],
            "newest first"
        );
        assert_eq!(page.entries[1].history.fired_last_week, 1);
        assert_eq!(page.next_before, Some(5));
        let rest = list_history(
            &db,
            &AlertFilter {
                before_id: Some(5),
                ..filter()
            },
            10_000,
        )
        .unwrap();
        assert_eq!(rest.entries.len(), 4);
        assert_eq!(rest.next_before, None);
    }

    fn ids(page: &AlertPage) -> Vec<i64> {
        page.alerts.iter().map(|a| a.id).collect()
    }

    /// Alerts 1..=6: names A/B alternate, service checkout for odd ids, 3 and 6 resolved,
    /// startsAt = 1000 * id.
    fn sample() -> NativeDb {
        let db = NativeDb::memory();
        for i in 1..=6_i64 {
            let name = if i % 2 == 1 { "A" } else { "B" };
            let service = if i % 2 == 1 { "checkout" } else { "cart" };
            let a = alert(
                &format!("fp{i}"),
                AlertStatus::Firing,
                1000 * i,
                &[("alertname", name), ("service", service)],
            );
            webhook::record(&db, &hook(vec![a]), 10_000 + i, 1, u32::MAX).unwrap();
        }
        for i in [3_i64, 6] {
            let name = if i % 2 == 1 { "A" } else { "B" };
            let service = if i % 2 == 1 { "checkout" } else { "cart" };
            let mut a = alert(
                &format!("fp{i}"),
                AlertStatus::Resolved,
                1000 * i,
                &[("alertname", name), ("service", service)],
            );
            a.ends_at = Some(1000 * i + 500);
            webhook::record(&db, &hook(vec![a]), 20_000, 1, u32::MAX).unwrap();
        }
        db
    }

    #[test]
    fn get_returns_the_alert_as_recorded() {
        let db = NativeDb::memory();
        webhook::record(&db, &fixture_firing(), 1_000, 1, u32::MAX).unwrap();
        let stored = get(&db, 1).unwrap().unwrap();
        assert_eq!(
            stored,
            StoredAlert {
                id: 1,
                alert: fixture_firing().alerts[0].clone(),
                received_at: 1_000,
                updated_at: 1_000,
                acknowledged: None,
                silenced: None,
            }
        );
        assert_eq!(get(&db, 2).unwrap(), None);
    }

    #[test]
    fn filters_combine() {
        let db = sample();
        let found = |filter: AlertFilter| ids(&list(&db, &filter).unwrap());
        let with_labels = |pairs: &[(&str, &str)]| AlertFilter {
            labels: labels::from_pairs(pairs),
            ..filter()
        };
        assert_eq!(found(filter()), [6, 5, 4, 3, 2, 1]);
        assert_eq!(
            found(AlertFilter {
                alertname: Some("A".into()),
                ..filter()
            }),
            [5, 3, 1]
        );
        let cart = [("service", "cart")];
        assert_eq!(found(with_labels(&cart)), [6, 4, 2]);
        let both = [("service", "cart"), ("alertname", "B")];
        assert_eq!(found(with_labels(&both)), [6, 4, 2]);
        let none = [("service", "cart"), ("alertname", "A")];
        assert!(found(with_labels(&none)).is_empty());
        assert!(found(with_labels(&[("team", "x")])).is_empty());
        assert_eq!(
            found(AlertFilter {
                status: Some(AlertStatus::Resolved),
                ..filter()
            }),
            [6, 3]
        );
        assert_eq!(
            found(AlertFilter {
                status: Some(AlertStatus::Firing),
                ..with_labels(&cart)
            }),
            [4, 2]
        );
        // [since, until): 2000 is in, 5000 is out.
        assert_eq!(
            found(AlertFilter {
                since: Some(2000),
                until: Some(5000),
                ..filter()
            }),
            [4, 3, 2]
        );
        assert_eq!(
            found(AlertFilter {
                before_id: Some(3),
                ..filter()
            }),
            [2, 1]
        );
    }

    #[test]
    fn label_values_match_exactly() {
        let db = NativeDb::memory();
        let a = alert(
            "fp",
            AlertStatus::Firing,
            1,
            &[("code", "500"), ("path", "/a'b\"c")],
        );
        webhook::record(&db, &hook(vec![a]), 1, 1, u32::MAX).unwrap();
        let by = |k: &str, v: &str| {
            let labels = labels::from_pairs(&[(k, v)]);
            list(&db, &AlertFilter { labels, ..filter() })
                .unwrap()
                .alerts
                .len()
        };
        assert_eq!(by("code", "500"), 1);
        assert_eq!(by("code", "50"), 0);
        assert_eq!(by("path", "/a'b\"c"), 1);
        assert_eq!(by("Code", "500"), 0);
    }

    #[test]
    fn pages_follow_next_before() {
        let db = sample();
        let mut seen = Vec::new();
        let mut page_filter = AlertFilter {
            limit: 4,
            ..filter()
        };
        let first = list(&db, &page_filter).unwrap();
        assert_eq!(
            (ids(&first), first.next_before),
            (vec![6, 5, 4, 3], Some(3))
        );
        seen.extend(ids(&first));
        page_filter.before_id = first.next_before;
        let second = list(&db, &page_filter).unwrap();
        assert_eq!((ids(&second), second.next_before), (vec![2, 1], None));
        seen.extend(ids(&second));
        assert_eq!(seen, [6, 5, 4, 3, 2, 1]);
        // Pagination composes with filters.
        let a = list(
            &db,
            &AlertFilter {
                alertname: Some("A".into()),
                limit: 2,
                ..filter()
            },
        )
        .unwrap();
        assert_eq!((ids(&a), a.next_before), (vec![5, 3], Some(3)));
        let rest = list(
            &db,
            &AlertFilter {
                alertname: Some("A".into()),
                limit: 2,
                before_id: Some(3),
                ..filter()
            },
        )
        .unwrap();
        assert_eq!((ids(&rest), rest.next_before), (vec![1], None));
    }

    #[test]
    fn limits_are_clamped() {
        assert_eq!(clamp_limit(0), DEFAULT_LIMIT);
        assert_eq!(clamp_limit(1), 1);
        assert_eq!(clamp_limit(500), 500);
        assert_eq!(clamp_limit(501), MAX_LIMIT);
        assert_eq!(clamp_limit(u32::MAX), MAX_LIMIT);
        let db = NativeDb::memory();
        let many: Vec<_> = (0..520)
            .map(|i| alert(&format!("fp{i}"), AlertStatus::Firing, 1, &[]))
            .collect();
        webhook::record(&db, &hook(many), 1, 1, u32::MAX).unwrap();
        let page = list(
            &db,
            &AlertFilter {
                limit: 10_000,
                ..filter()
            },
        )
        .unwrap();
        assert_eq!((page.alerts.len(), page.next_before), (500, Some(21)));
        let default = list(&db, &filter()).unwrap();
        assert_eq!((default.alerts.len(), default.next_before), (50, Some(471)));
    }
}
