//! Recording webhooks: upsert alerts by (fingerprint, startsAt) and enqueue one outbox job per
//! state change, all in one transaction; and counting rejected webhooks.

use crate::api::{Alert, AlertStatus, JobKind, Recorded, StoreError, Timestamp, Webhook};
use crate::db::{int, opt_int, query_one, query_opt, text, Db, Row, Value};
use crate::metrics::{bump, observe_ns, WEBHOOKS_RECEIVED, WEBHOOK_DURATION};
use crate::{labels, outbox, tx};
use std::collections::hash_map::{Entry, HashMap};

/// Record a webhook; on any error nothing of it is written. Alerts new beyond the first
/// `group_limit` of the webhook (and, later, the resolves of those alerts) share one summary
/// job instead of a job each, so a storm posts a bounded number of messages.
pub fn record(
    db: &dyn Db,
    hook: &Webhook,
    now: Timestamp,
    handling_ns: u64,
    group_limit: u32,
) -> Result<Recorded, StoreError> {
    tx::write(db, || {
        let mut recorded = Recorded {
            new_alerts: 0,
            resolved_alerts: 0,
            repeats: 0,
            jobs_enqueued: 0,
        };
        let mut jobs = Jobs {
            left: group_limit,
            summary: Summary::default(),
        };
        for alert in dedupe(&hook.alerts) {
            record_alert(db, alert, now, &mut recorded, &mut jobs)?;
        }
        if let Some(first) = jobs.summary.first() {
            let payload = serde_json::to_string(&jobs.summary).expect("ids always serialise");
            outbox::enqueue(db, JobKind::GroupSummary, first, Some(&payload), now)?;
            recorded.jobs_enqueued += 1;
        }
        bump(db, WEBHOOKS_RECEIVED, &[("outcome", "accepted")], 1)?;
        observe_ns(db, WEBHOOK_DURATION, handling_ns)?;
        Ok(recorded)
    })
}

/// The alerts one summary message covers (the payload of a `group-summary` job).
#[derive(Default, serde::Serialize, serde::Deserialize, Debug, PartialEq)]
pub struct Summary {
    pub firing: Vec<i64>,
    pub resolved: Vec<i64>,
}

impl Summary {
    fn first(&self) -> Option<i64> {
        self.firing.first().or(self.resolved.first()).copied()
    }
}

/// Where a webhook's state changes go: a job each while `left` lasts, then the summary.
struct Jobs {
    left: u32,
    summary: Summary,
}

impl Jobs {
    /// A new alert's job, or its place in the summary (marking it summarized).
    fn new_alert(
        &mut self,
        db: &dyn Db,
        id: i64,
        status: AlertStatus,
        now: Timestamp,
        recorded: &mut Recorded,
    ) -> Result<(), StoreError> {
        if self.left > 0 {
            self.left -= 1;
            outbox::enqueue(db, job_kind(status), id, None, now)?;
            recorded.jobs_enqueued += 1;
            return Ok(());
        }
        db.execute("UPDATE alerts SET summarized = 1 WHERE id = ?", &[int(id)])?;
        match status {
            AlertStatus::Firing => self.summary.firing.push(id),
            AlertStatus::Resolved => self.summary.resolved.push(id),
        }
        Ok(())
    }
}

fn job_kind(status: AlertStatus) -> JobKind {
    match status {
        AlertStatus::Firing => JobKind::AlertFired,
        AlertStatus::Resolved => JobKind::AlertResolved,
    }
}

/// Count a refused webhook by reason, and its handling time.
pub fn reject(db: &dyn Db, reason: &str, handling_ns: u64) -> Result<(), StoreError> {
    tx::write(db, || {
        bump(
            db,
            WEBHOOKS_RECEIVED,
            &[("outcome", "rejected"), ("reason", reason)],
            1,
        )?;
        observe_ns(db, WEBHOOK_DURATION, handling_ns)
    })
}

/// One alert per (fingerprint, startsAt), in first-seen order. Among copies a resolved one
/// wins (resolution is final in the store), else the last copy.
fn dedupe(alerts: &[Alert]) -> Vec<&Alert> {
    let mut unique: Vec<&Alert> = Vec::with_capacity(alerts.len());
    let mut index: HashMap<(&str, Timestamp), usize> = HashMap::with_capacity(alerts.len());
    for alert in alerts {
        match index.entry((alert.fingerprint.as_str(), alert.starts_at)) {
            Entry::Vacant(slot) => {
                slot.insert(unique.len());
                unique.push(alert);
            }
            Entry::Occupied(slot) => {
                let kept = &mut unique[*slot.get()];
                if !(kept.status == AlertStatus::Resolved && alert.status == AlertStatus::Firing) {
                    *kept = alert;
                }
            }
        }
    }
    unique
}

fn record_alert(
    db: &dyn Db,
    alert: &Alert,
    now: Timestamp,
    recorded: &mut Recorded,
    jobs: &mut Jobs,
) -> Result<(), StoreError> {
    let known = query_opt(
        db,
        "SELECT id, status, summarized FROM alerts WHERE fingerprint = ? AND starts_at = ?",
        &[text(&alert.fingerprint), int(alert.starts_at)],
    )?;
    let Some(row) = known else {
        if swept_already(db, alert)? {
            recorded.repeats += 1;
            return Ok(());
        }
        let id = insert(db, alert, now)?;
        jobs.new_alert(db, id, alert.status, now, recorded)?;
        recorded.new_alerts += 1;
        return Ok(());
    };
    let row = Row(&row);
    let id = row.int(0)?;
    match (row.text(1)?.as_str(), alert.status) {
        ("firing", AlertStatus::Firing) => {
            refresh(db, id, alert, now)?;
            recorded.repeats += 1;
        }
        ("firing", AlertStatus::Resolved) => {
            refresh(db, id, alert, now)?;
            outbox::cancel_chart_redraw(db, id, now)?;
            // An alert with its own message gets its own update; a summarized one is summed up.
            if row.int(2)? == 0 {
                outbox::enqueue(db, JobKind::AlertResolved, id, None, now)?;
                recorded.jobs_enqueued += 1;
            } else {
                jobs.summary.resolved.push(id);
            }
            recorded.resolved_alerts += 1;
        }
        // Resolved is final: a late firing copy or a repeated resolve changes nothing.
        _ => recorded.repeats += 1,
    }
    Ok(())
}

/// A late copy of an alert the retention sweep removed after it resolved: resolution is
/// final, so it changes nothing (and posts nothing) either.
fn swept_already(db: &dyn Db, alert: &Alert) -> Result<bool, StoreError> {
    Ok(query_opt(
        db,
        "SELECT 1 FROM past_firings WHERE fingerprint = ? AND starts_at = ?",
        &[text(&alert.fingerprint), int(alert.starts_at)],
    )?
    .is_some())
}

fn insert(db: &dyn Db, alert: &Alert, now: Timestamp) -> Result<i64, StoreError> {
    let mut values = changing_columns(alert, now).to_vec();
    values.extend([text(&alert.fingerprint), int(alert.starts_at), int(now)]);
    let row = query_one(
        db,
        "INSERT INTO alerts (status, alertname, labels, annotations, ends_at, generator_url,
                             updated_at, fingerprint, starts_at, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         RETURNING id",
        &values,
    )?;
    Row(&row).int(0)
}

/// Take the latest status, endsAt, labels, annotations and link of a known firing alert.
fn refresh(db: &dyn Db, id: i64, alert: &Alert, now: Timestamp) -> Result<(), StoreError> {
    let mut values = changing_columns(alert, now).to_vec();
    values.push(int(id));
    db.execute(
        "UPDATE alerts SET status = ?, alertname = ?, labels = ?, annotations = ?, ends_at = ?,
                           generator_url = ?, updated_at = ?
         WHERE id = ?",
        &values,
    )?;
    Ok(())
}

/// What a webhook may change of a stored alert, in the column order both statements use.
fn changing_columns(alert: &Alert, now: Timestamp) -> [Value; 7] {
    [
        text(status_name(alert.status)),
        text(labels::get(&alert.labels, "alertname").unwrap_or("")),
        text(&labels::to_json(&alert.labels)),
        text(&labels::to_json(&alert.annotations)),
        opt_int(alert.ends_at),
        text(&alert.generator_url),
        int(now),
    ]
}

/// The status as stored in `alerts.status`.
pub fn status_name(status: AlertStatus) -> &'static str {
    match status {
        AlertStatus::Firing => "firing",
        AlertStatus::Resolved => "resolved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{alert, fixture_firing, fixture_resolved, hook, FailingDb, NativeDb};
    use crate::{alerts, metrics};

    #[test]
    fn a_storm_posts_the_first_alerts_and_one_summary() {
        let db = NativeDb::memory();
        let storm: Vec<Alert> = (0..25)
            .map(|i| alert(&format!("fp-{i}"), AlertStatus::Firing, 100, &[]))
            .collect();
        let recorded = record(&db, &hook(storm.clone()), 1_000, 5, 10).unwrap();
        assert_eq!(recorded, counts(25, 0, 0, 11));
        assert_eq!(
            db.table("SELECT kind, count(*) FROM outbox GROUP BY kind ORDER BY kind"),
            ["alert-fired|10", "group-summary|1"]
        );
        let payload = db.strings("SELECT payload FROM outbox WHERE kind = 'group-summary'");
        let summary: Summary = serde_json::from_str(&payload[0]).unwrap();
        assert_eq!(summary.firing, (11..=25).collect::<Vec<i64>>());

        // Resolving everything: the ten with messages get updates, the rest one summary.
        let resolved: Vec<Alert> = storm
            .iter()
            .map(|a| Alert {
                status: AlertStatus::Resolved,
                ends_at: Some(200),
                ..a.clone()
            })
            .collect();
        let recorded = record(&db, &hook(resolved), 2_000, 5, 10).unwrap();
        assert_eq!(recorded, counts(0, 25, 0, 11));
        let payload = db.strings(
            "SELECT payload FROM outbox WHERE kind = 'group-summary' ORDER BY id DESC LIMIT 1",
        );
        let summary: Summary = serde_json::from_str(&payload[0]).unwrap();
        assert_eq!((summary.firing.len(), summary.resolved.len()), (0, 15));
    }

    fn counts(new: u32, resolved: u32, repeats: u32, jobs: u32) -> Recorded {
        Recorded {
            new_alerts: new,
            resolved_alerts: resolved,
            repeats,
            jobs_enqueued: jobs,
        }
    }

    /// Records `hook` at `now` with no group limit, as most tests want.
    fn record_all(db: &dyn Db, hook: &Webhook, now: i64) -> Recorded {
        record(db, hook, now, 5, u32::MAX).unwrap()
    }

    /// (kind, alert_id) of every job, oldest first.
    fn jobs(db: &NativeDb) -> Vec<(String, i64)> {
        db.rows("SELECT kind, alert_id FROM outbox ORDER BY id")
            .into_iter()
            .map(|r| (Row(&r).text(0).unwrap(), Row(&r).int(1).unwrap()))
            .collect()
    }

    #[test]
    fn dedupes_by_fingerprint_and_starts_at() {
        let db = NativeDb::memory();
        // Fire: a new alert and an alert-fired job.
        assert_eq!(
            record_all(&db, &fixture_firing(), 1_000),
            counts(1, 0, 0, 1)
        );
        // Fire again (Alertmanager's repeat_interval): a repeat that refreshes annotations.
        let mut again = fixture_firing();
        again.alerts[0].annotations = vec![("summary".into(), "7% fail".into())];
        assert_eq!(record_all(&db, &again, 2_000), counts(0, 0, 1, 0));
        let stored = alerts::get(&db, 1).unwrap().unwrap();
        assert_eq!(stored.alert.annotations, again.alerts[0].annotations);
        assert_eq!((stored.received_at, stored.updated_at), (1_000, 2_000));
        // Resolve: status and endsAt change, alert-resolved job.
        assert_eq!(
            record_all(&db, &fixture_resolved(), 3_000),
            counts(0, 1, 0, 1)
        );
        let stored = alerts::get(&db, 1).unwrap().unwrap();
        assert_eq!(stored.alert.status, AlertStatus::Resolved);
        assert_eq!(stored.alert.ends_at, fixture_resolved().alerts[0].ends_at);
        // Resolve again, or a late firing copy: repeats, nothing changes.
        assert_eq!(
            record_all(&db, &fixture_resolved(), 4_000),
            counts(0, 0, 1, 0)
        );
        assert_eq!(
            record_all(&db, &fixture_firing(), 5_000),
            counts(0, 0, 1, 0)
        );
        let after = alerts::get(&db, 1).unwrap().unwrap();
        assert_eq!(after.alert.status, AlertStatus::Resolved);
        assert_eq!(after.updated_at, 3_000);
        // Re-fire with a new startsAt: a new alert.
        let mut refire = fixture_firing();
        refire.alerts[0].starts_at += 600_000;
        assert_eq!(record_all(&db, &refire, 6_000), counts(1, 0, 0, 1));
        assert_eq!(
            jobs(&db),
            [
                ("alert-fired".to_string(), 1),
                ("alert-resolved".to_string(), 1),
                ("alert-fired".to_string(), 2)
            ]
        );
        let m = metrics::snapshot(&db, 6_000).unwrap();
        assert_eq!(m.alerts_firing, 1);
        assert_eq!(m.counters[0].value, 6, "every webhook counted as accepted");
        assert_eq!(m.histograms[0].count, 6);
    }

    #[test]
    fn unknown_resolved_alert_is_inserted_as_resolved() {
        let db = NativeDb::memory();
        assert_eq!(
            record_all(&db, &fixture_resolved(), 1_000),
            counts(1, 0, 0, 1)
        );
        let stored = alerts::get(&db, 1).unwrap().unwrap();
        assert_eq!(stored.alert, fixture_resolved().alerts[0]);
        assert_eq!(jobs(&db), [("alert-resolved".to_string(), 1)]);
    }

    #[test]
    fn duplicates_within_one_webhook_count_once() {
        let db = NativeDb::memory();
        let a = alert("fp-a", AlertStatus::Firing, 100, &[("alertname", "A")]);
        let b = alert("fp-b", AlertStatus::Firing, 100, &[("alertname", "B")]);
        let a_resolved = alert("fp-a", AlertStatus::Resolved, 100, &[("alertname", "A")]);
        let each_twice = hook(vec![a.clone(), b.clone(), a.clone(), b]);
        assert_eq!(record_all(&db, &each_twice, 1_000), counts(2, 0, 0, 2));
        // Firing and resolved copies of a new alert: stored once, as resolved.
        let c = alert("fp-c", AlertStatus::Firing, 100, &[]);
        let c_resolved = alert("fp-c", AlertStatus::Resolved, 100, &[]);
        let both_states = hook(vec![c_resolved, c, a_resolved, a]);
        assert_eq!(record_all(&db, &both_states, 2_000), counts(1, 1, 0, 2));
        assert_eq!(db.int("SELECT count(*) FROM alerts"), 3);
        assert_eq!(
            db.int("SELECT count(*) FROM alerts WHERE status = 'resolved'"),
            2
        );
        assert_eq!(db.int("SELECT count(*) FROM outbox"), 4);
    }

    #[test]
    fn a_failure_midway_writes_nothing() {
        let db = FailingDb::new(NativeDb::memory(), "INSERT INTO outbox", 2);
        let hook = hook(vec![
            alert("fp-1", AlertStatus::Firing, 100, &[]),
            alert("fp-2", AlertStatus::Firing, 100, &[]),
        ]);
        assert!(matches!(
            record(&db, &hook, 1_000, 5, u32::MAX),
            Err(StoreError::Database(_))
        ));
        for table in [
            "alerts",
            "outbox",
            "counters",
            "histograms",
            "histogram_buckets",
        ] {
            assert_eq!(
                db.inner.int(&format!("SELECT count(*) FROM {table}")),
                0,
                "{table}"
            );
        }
        // The connection is usable again: the transaction was closed, not left open.
        assert_eq!(record_all(&db.inner, &hook, 1_000), counts(2, 0, 0, 2));
    }

    #[test]
    fn a_locked_database_is_busy_and_writes_nothing() {
        let path = crate::testing::temp_path("busy");
        let holder = NativeDb::file(&path);
        let db = NativeDb::file(&path);
        db.set_busy_timeout_ms(0);
        holder.exec("BEGIN IMMEDIATE");
        let result = record(&db, &fixture_firing(), 1_000, 5, u32::MAX);
        assert!(matches!(result, Err(StoreError::Busy(_))), "{result:?}");
        holder.exec("COMMIT");
        assert_eq!(db.int("SELECT count(*) FROM alerts"), 0);
        assert_eq!(
            record_all(&db, &fixture_firing(), 1_000),
            counts(1, 0, 0, 1)
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn rejections_count_by_reason_and_share_the_histogram() {
        let db = NativeDb::memory();
        reject(&db, "bad_json", 2_000_000).unwrap();
        reject(&db, "bad_json", 2_000_000).unwrap();
        reject(&db, "unauthorized", 1_000).unwrap();
        record(&db, &fixture_firing(), 1_000, 1_000, u32::MAX).unwrap();
        let m = metrics::snapshot(&db, 0).unwrap();
        let values: Vec<(String, u64)> = m
            .counters
            .iter()
            .filter(|c| c.name == WEBHOOKS_RECEIVED)
            .map(|c| {
                (
                    c.labels
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(","),
                    c.value,
                )
            })
            .collect();
        assert_eq!(
            values,
            [
                ("outcome=accepted".to_string(), 1),
                ("outcome=rejected,reason=bad_json".to_string(), 2),
                ("outcome=rejected,reason=unauthorized".to_string(), 1)
            ]
        );
        assert_eq!(m.histograms[0].count, 4);
        assert_eq!(m.histograms[0].buckets[0], (0.0005, 2));
    }
}
