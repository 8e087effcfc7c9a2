//! The outbox: jobs enqueued with the state change that caused them, leased to workers.
//!
//! A claim bumps `attempts`, which doubles as the lease generation: completing,
//! rescheduling or dead-lettering names the attempt it holds, and fails as `invalid` once a
//! later claim has taken the job over.

use crate::api::{Job, JobKind, PostingIntent, StoreError, Timestamp};
use crate::db::{changed, int, opt_text, query_one, query_opt, text, Db, Row, Value};
use crate::errors::{corrupt, invalid};
use crate::metrics::{bump, DELIVERIES, LOST_ATTEMPTS};
use crate::tx;

/// Add a pending job, due now; `payload` is what it needs beyond its alert (a summary's
/// alert ids, a click's user). Runs inside the caller's transaction.
pub fn enqueue(
    db: &dyn Db,
    kind: JobKind,
    alert_id: i64,
    payload: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO outbox (kind, alert_id, payload, state, due_at, attempts, created_at,
                             updated_at)
         VALUES (?, ?, ?, 'pending', ?, 0, ?, ?)",
        &[
            text(kind_name(kind)),
            int(alert_id),
            opt_text(payload),
            int(now),
            int(now),
            int(now),
        ],
    )?;
    Ok(())
}

/// Add a `chart-redraw` job for a firing alert unless one is pending; false when nothing was
/// added (the alert is unknown, resolved, or already has one).
pub fn enqueue_chart_redraw(
    db: &dyn Db,
    alert_id: i64,
    due_at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    tx::write(db, || {
        let added = changed(
            db,
            "INSERT INTO outbox (kind, alert_id, state, due_at, attempts, created_at, updated_at)
             SELECT 'chart-redraw', id, 'pending', ?1, 0, ?2, ?2 FROM alerts
             WHERE id = ?3 AND status = 'firing' AND NOT EXISTS (
                 SELECT 1 FROM outbox
                 WHERE alert_id = ?3 AND kind = 'chart-redraw' AND state = 'pending')",
            &[int(due_at), int(now), int(alert_id)],
        )?;
        Ok(added == 1)
    })
}

/// The alert resolved: its waiting `chart-redraw` job is moot, since the resolve redraws the
/// chart, and must not hold the resolve up. A redraw already running is left to finish
/// first. Runs inside the caller's transaction.
pub fn cancel_chart_redraw(db: &dyn Db, alert_id: i64, now: Timestamp) -> Result<(), StoreError> {
    db.execute(
        "UPDATE outbox SET state = 'done', last_error = 'cancelled: the alert resolved',
                          updated_at = ?1
         WHERE alert_id = ?2 AND kind = 'chart-redraw' AND state = 'pending'
           AND (lease_until IS NULL OR lease_until <= ?1)",
        &[int(now), int(alert_id)],
    )?;
    Ok(())
}

/// The jobs `o` that a claim at `?1` may take once they are due: pending, with no live
/// lease (whoever holds it: replicas share the outbox), and no older pending job of the
/// same alert.
const WAITING: &str = "o.state = 'pending'
    AND (o.lease_until IS NULL OR o.lease_until <= ?1)
    AND NOT EXISTS (SELECT 1 FROM outbox AS older
                    WHERE older.alert_id = o.alert_id AND older.state = 'pending'
                      AND older.id < o.id)";

/// When a claim at `now` or later would next take a job (at most `now` when one is due
/// already); `None` when no job waits. Runs inside the caller's transaction.
pub fn next_claimable(db: &dyn Db, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
    let row = query_one(
        db,
        &format!("SELECT MIN(o.due_at) FROM outbox AS o WHERE {WAITING}"),
        &[int(now)],
    )?;
    Row(&row).opt_int(0)
}

/// Lease up to `max` due jobs, oldest due first.
///
/// A job also waits while an older job for the same alert is pending, so an alert's
/// messages are posted and updated in order even with several workers.
pub fn claim(
    db: &dyn Db,
    now: Timestamp,
    lease_ms: u32,
    max: u32,
    owner: &str,
) -> Result<Vec<Job>, StoreError> {
    if max == 0 {
        return Ok(Vec::new());
    }
    let lease_until = now.saturating_add(i64::from(lease_ms));
    let due = format!(
        "SELECT id FROM outbox AS o WHERE o.due_at <= ?1 AND {WAITING} ORDER BY due_at, id LIMIT ?3"
    );
    let params = [int(now), int(lease_until), int(i64::from(max)), text(owner)];
    let rows = tx::write(db, || {
        // A started attempt whose lease is still set was never settled: its instance died.
        let died = changed(
            db,
            &format!(
                "UPDATE outbox SET deaths = deaths + 1
                 WHERE id IN ({due}) AND lease_until IS NOT NULL AND started = attempts
                   AND started > 0"
            ),
            // Up to ?3: the owner is only written, by the claim below.
            &params[..3],
        )?;
        if died > 0 {
            bump(db, LOST_ATTEMPTS, &[], died)?;
        }
        db.execute(
            &format!(
                "UPDATE outbox SET attempts = attempts + 1, lease_until = ?2, lease_owner = ?4,
                                  updated_at = ?1
                 WHERE id IN ({due})
                 RETURNING id, kind, alert_id, attempts, due_at, lease_until, last_error,
                           attempts - 1 - deferrals, posting_channel, posting_since, payload,
                           deaths, steps"
            ),
            &params,
        )
    })?;
    let mut jobs = rows
        .iter()
        .map(|r| job(Row(r)))
        .collect::<Result<Vec<_>, _>>()?;
    // RETURNING has no defined order.
    jobs.sort_by_key(|j| (j.due_at, j.id));
    Ok(jobs)
}

/// The job was delivered.
pub fn complete(db: &dyn Db, id: i64, attempt: u32) -> Result<(), StoreError> {
    settle(
        db,
        id,
        attempt,
        "delivered",
        "UPDATE outbox SET state = 'done', lease_until = NULL",
        &[],
    )
}

/// The attempt failed; try again at `due_at`. Unless `uncertain`, nothing was posted, so
/// the posting intent is cleared.
pub fn reschedule(
    db: &dyn Db,
    id: i64,
    attempt: u32,
    due_at: Timestamp,
    error: &str,
    uncertain: bool,
) -> Result<(), StoreError> {
    let update = if uncertain {
        "UPDATE outbox SET due_at = ?, last_error = ?, lease_until = NULL"
    } else {
        "UPDATE outbox SET due_at = ?, last_error = ?, lease_until = NULL,
                           posting_channel = NULL, posting_since = NULL"
    };
    settle(
        db,
        id,
        attempt,
        "retried",
        update,
        &[int(due_at), text(error)],
    )
}

/// The claimed job is about to post to `channel`: if no answer comes, the next attempt
/// looks for the message first.
pub fn mark_posting(
    db: &dyn Db,
    id: i64,
    attempt: u32,
    channel: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    leased_update(
        db,
        id,
        attempt,
        "UPDATE outbox SET posting_channel = ?, posting_since = coalesce(posting_since, ?)",
        &[text(channel), int(now)],
    )
}

/// Step `step` of the claimed job reached Slack; steps only ever advance.
pub fn record_step(db: &dyn Db, id: i64, attempt: u32, step: u32) -> Result<(), StoreError> {
    leased_update(
        db,
        id,
        attempt,
        "UPDATE outbox SET steps = max(steps, ?)",
        &[int(i64::from(step))],
    )
}

/// Work on the claimed job begins: should its instance die before settling, the next claim
/// counts a death.
pub fn start(db: &dyn Db, id: i64, attempt: u32) -> Result<(), StoreError> {
    leased_update(db, id, attempt, "UPDATE outbox SET started = attempts", &[])
}

/// Apply `update` (its `SET` params in `params`) to the job if `attempt` still holds its
/// lease; `invalid` otherwise.
fn leased_update(
    db: &dyn Db,
    id: i64,
    attempt: u32,
    update: &str,
    params: &[Value],
) -> Result<(), StoreError> {
    let sql = format!("{update} WHERE id = ? AND state = 'pending' AND attempts = ?");
    let mut params = params.to_vec();
    params.extend([int(id), int(i64::from(attempt))]);
    if changed(db, &sql, &params)? == 0 {
        return Err(invalid(format!(
            "job {id} attempt {attempt} is not leased: unknown, finished or claimed again"
        )));
    }
    Ok(())
}

/// Dead jobs (the one with `id`, or all) become pending again, due at `now`, with their
/// failures and deaths forgiven; returns their ids, oldest first.
pub fn retry_dead(db: &dyn Db, id: Option<i64>, now: Timestamp) -> Result<Vec<i64>, StoreError> {
    let rows = tx::write(db, || {
        db.execute(
            "UPDATE outbox SET state = 'pending', due_at = ?1, updated_at = ?1,
                               deferrals = attempts, deaths = 0, started = 0, lease_until = NULL
             WHERE state = 'dead' AND (?2 IS NULL OR id = ?2)
             RETURNING id",
            &[int(now), id.map_or(Value::Null, int)],
        )
    })?;
    let mut ids = rows
        .iter()
        .map(|r| Row(r).int(0))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// Why the alert's newest dead job gave up, while one is dead (few are: the scan is short).
pub fn dead_reason(db: &dyn Db, alert_id: i64) -> Result<Option<String>, StoreError> {
    let row = query_opt(
        db,
        "SELECT last_error FROM outbox WHERE state = 'dead' AND alert_id = ?
         ORDER BY id DESC LIMIT 1",
        &[int(alert_id)],
    )?;
    match row {
        Some(row) => Ok(Some(
            Row(&row)
                .opt_text(0)?
                .unwrap_or_else(|| "no reason recorded".into()),
        )),
        None => Ok(None),
    }
}

/// Give up: the job stays in the outbox as dead, with its reason.
pub fn dead_letter(db: &dyn Db, id: i64, attempt: u32, error: &str) -> Result<(), StoreError> {
    settle(
        db,
        id,
        attempt,
        "dead",
        "UPDATE outbox SET state = 'dead', last_error = ?, lease_until = NULL",
        &[text(error)],
    )
}

/// The job's channel was busy: try again at `due_at`, without counting a failure.
pub fn defer(db: &dyn Db, id: i64, attempt: u32, due_at: Timestamp) -> Result<(), StoreError> {
    settle(
        db,
        id,
        attempt,
        "deferred",
        "UPDATE outbox SET due_at = ?, deferrals = deferrals + 1, lease_until = NULL",
        &[int(due_at)],
    )
}

/// Apply `update` to the job if the caller still holds its lease, and count the outcome.
fn settle(
    db: &dyn Db,
    id: i64,
    attempt: u32,
    outcome: &str,
    update: &str,
    params: &[Value],
) -> Result<(), StoreError> {
    tx::write(db, || {
        leased_update(db, id, attempt, update, params)?;
        bump(db, DELIVERIES, &[("outcome", outcome)], 1)
    })
}

fn job(row: Row<'_>) -> Result<Job, StoreError> {
    Ok(Job {
        id: row.int(0)?,
        kind: parse_kind(&row.text(1)?)?,
        alert_id: row.int(2)?,
        attempt: u32::try_from(row.int(3)?).map_err(|_| corrupt("attempts out of range"))?,
        due_at: row.int(4)?,
        lease_until: row.int(5)?,
        last_error: row.opt_text(6)?,
        failures: u32::try_from(row.int(7)?).map_err(|_| corrupt("deferrals out of range"))?,
        posting: match (row.opt_text(8)?, row.opt_int(9)?) {
            (Some(channel), Some(since)) => Some(PostingIntent { channel, since }),
            _ => None,
        },
        payload: row.opt_text(10)?,
        deaths: u32::try_from(row.int(11)?).map_err(|_| corrupt("deaths out of range"))?,
        steps_done: u32::try_from(row.int(12)?).map_err(|_| corrupt("steps out of range"))?,
    })
}

/// The kind as stored in `outbox.kind`: the WIT name.
pub fn kind_name(kind: JobKind) -> &'static str {
    match kind {
        JobKind::AlertFired => "alert-fired",
        JobKind::AlertResolved => "alert-resolved",
        JobKind::GroupSummary => "group-summary",
        JobKind::ChartRedraw => "chart-redraw",
        JobKind::Silence => "silence",
        JobKind::Unsilence => "unsilence",
        JobKind::MessageRefresh => "message-refresh",
        JobKind::ChartZoom => "chart-zoom",
    }
}

fn parse_kind(name: &str) -> Result<JobKind, StoreError> {
    match name {
        "alert-fired" => Ok(JobKind::AlertFired),
        "alert-resolved" => Ok(JobKind::AlertResolved),
        "group-summary" => Ok(JobKind::GroupSummary),
        "chart-redraw" => Ok(JobKind::ChartRedraw),
        "silence" => Ok(JobKind::Silence),
        "unsilence" => Ok(JobKind::Unsilence),
        "message-refresh" => Ok(JobKind::MessageRefresh),
        "chart-zoom" => Ok(JobKind::ChartZoom),
        other => Err(corrupt(&format!("job kind {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(claimed: Result<Vec<Job>, StoreError>) -> Vec<i64> {
        claimed.unwrap().iter().map(|j| j.id).collect()
    }
    use crate::api::AlertStatus;
    use crate::testing::{alert, hook, NativeDb};
    use crate::{metrics, webhook};

    /// A database with one firing alert per fingerprint, enqueued at `at`.
    fn with_alerts(fingerprints: &[&str], at: Timestamp) -> NativeDb {
        let db = NativeDb::memory();
        for fp in fingerprints {
            webhook::record(
                &db,
                &hook(vec![alert(fp, AlertStatus::Firing, 100, &[])]),
                at,
                1,
                u32::MAX,
            )
            .unwrap();
        }
        db
    }

    fn deliveries(db: &NativeDb) -> Vec<(String, u64)> {
        metrics::snapshot(db, 0)
            .unwrap()
            .counters
            .into_iter()
            .filter(|c| c.name == DELIVERIES)
            .map(|c| (c.labels[0].1.clone(), c.value))
            .collect()
    }

    fn lost_attempts(db: &NativeDb) -> u64 {
        metrics::snapshot(db, 0)
            .unwrap()
            .counters
            .into_iter()
            .find(|c| c.name == LOST_ATTEMPTS)
            .map_or(0, |c| c.value)
    }

    #[test]
    fn steps_that_reached_slack_outlive_a_lost_settle_and_only_the_lease_holder_records_them() {
        let db = with_alerts(&["a"], 1_000);
        let first = claim(&db, 1_000, 10_000, 10, "").unwrap().remove(0);
        assert_eq!(first.steps_done, 0);
        start(&db, first.id, first.attempt).unwrap();
        record_step(&db, first.id, first.attempt, 1).unwrap();
        record_step(&db, first.id, first.attempt, 2).unwrap();
        // A repeated or late step never moves it back.
        record_step(&db, first.id, first.attempt, 1).unwrap();
        // The settle is lost: the next claim, after the lease, sees both steps done.
        let second = claim(&db, 11_000, 10_000, 10, "").unwrap().remove(0);
        assert_eq!((second.attempt, second.steps_done), (2, 2));
        let stale = record_step(&db, first.id, first.attempt, 3).unwrap_err();
        assert!(matches!(stale, StoreError::Invalid(_)), "{stale:?}");
        complete(&db, second.id, second.attempt).unwrap();
        assert!(record_step(&db, second.id, second.attempt, 3).is_err());
    }

    #[test]
    fn only_a_started_attempt_that_never_settled_counts_as_a_death() {
        let db = with_alerts(&["a", "b"], 1_000);
        let batch = claim(&db, 1_000, 10_000, 10, "").unwrap();
        // The instance starts the first job and dies; the second was only leased.
        start(&db, batch[0].id, batch[0].attempt).unwrap();
        let again = claim(&db, 11_000, 10_000, 10, "").unwrap();
        let deaths: Vec<_> = again.iter().map(|j| (j.id, j.deaths, j.attempt)).collect();
        assert_eq!(deaths, [(1, 1, 2), (2, 0, 2)]);
        assert_eq!(lost_attempts(&db), 1);
        // A settled attempt is no death, even after being started.
        start(&db, 1, 2).unwrap();
        reschedule(&db, 1, 2, 11_000, "slack down", false).unwrap();
        start(&db, 2, 2).unwrap();
        let third = claim(&db, 21_000, 10_000, 10, "").unwrap();
        let deaths: Vec<_> = third.iter().map(|j| (j.id, j.deaths)).collect();
        assert_eq!(deaths, [(2, 1), (1, 1)], "job 2 died once, job 1 not again");
        assert_eq!(lost_attempts(&db), 2);
        assert!(
            start(&db, 1, 2).is_err(),
            "a stale attempt cannot start: its lease is gone"
        );
    }

    #[test]
    fn dead_jobs_are_sent_again_on_request_with_their_count_forgiven() {
        let db = with_alerts(&["a", "b", "c"], 1_000);
        let jobs = claim(&db, 1_000, 10_000, 10, "").unwrap();
        start(&db, 1, jobs[0].attempt).unwrap();
        dead_letter(&db, 1, jobs[0].attempt, "chat.postMessage: invalid_blocks").unwrap();
        dead_letter(&db, 2, jobs[1].attempt, "alert 2 is gone").unwrap();
        complete(&db, 3, jobs[2].attempt).unwrap();
        assert_eq!(
            dead_reason(&db, 1).unwrap().as_deref(),
            Some("chat.postMessage: invalid_blocks")
        );
        assert_eq!(dead_reason(&db, 3).unwrap(), None, "delivered");
        assert_eq!(retry_dead(&db, Some(3), 5_000).unwrap(), [] as [i64; 0]);
        assert_eq!(retry_dead(&db, Some(2), 5_000).unwrap(), [2]);
        assert_eq!(
            retry_dead(&db, Some(2), 5_000).unwrap(),
            [] as [i64; 0],
            "once"
        );
        assert_eq!(retry_dead(&db, None, 6_000).unwrap(), [1]);
        assert_eq!(dead_reason(&db, 1).unwrap(), None);
        let again = claim(&db, 6_000, 10_000, 10, "").unwrap();
        let got: Vec<_> = again
            .iter()
            .map(|j| (j.id, j.failures, j.deaths, j.attempt))
            .collect();
        assert_eq!(
            got,
            [(2, 0, 0, 2), (1, 0, 0, 2)],
            "due now, nothing held against them"
        );
    }

    #[test]
    fn claims_due_jobs_oldest_first_and_leases_them() {
        let db = with_alerts(&["a", "b", "c"], 1_000);
        db.exec("UPDATE outbox SET due_at = 900 WHERE id = 3");
        db.exec("UPDATE outbox SET due_at = 5000 WHERE id = 2");
        let jobs = claim(&db, 1_000, 30_000, 10, "").unwrap();
        // A first claim of alert `id`'s job: the only differences are the id and due time.
        let first = |id, due_at| Job {
            id,
            kind: JobKind::AlertFired,
            alert_id: id,
            attempt: 1,
            due_at,
            lease_until: 31_000,
            last_error: None,
            failures: 0,
            posting: None,
            payload: None,
            deaths: 0,
            steps_done: 0,
        };
        assert_eq!(jobs, [first(3, 900), first(1, 1_000)]);
        // Leased jobs are not claimed again while the lease lives...
        assert_eq!(ids(claim(&db, 30_999, 30_000, 10, "")), [2]);
        // ...and are once it has expired, as the next lease generation.
        let again = claim(&db, 31_000, 1_000, 10, "").unwrap();
        assert_eq!(
            again.iter().map(|j| (j.id, j.attempt)).collect::<Vec<_>>(),
            [(3, 2), (1, 2)]
        );
    }

    #[test]
    fn another_replicas_live_lease_is_never_taken_and_an_expired_one_is_fenced() {
        let db = with_alerts(&["a"], 1_000);
        let first = claim(&db, 1_000, 60_000, 10, "replica-1").unwrap();
        assert_eq!(first.len(), 1);
        // A second replica sharing the database waits while the first one's lease lives...
        assert!(claim(&db, 2_000, 60_000, 10, "replica-2")
            .unwrap()
            .is_empty());
        assert!(claim(&db, 60_999, 60_000, 10, "replica-2")
            .unwrap()
            .is_empty());
        // ...and takes the job over once it has run out, as the next attempt.
        let taken = claim(&db, 61_000, 60_000, 10, "replica-2").unwrap();
        assert_eq!(
            taken.iter().map(|j| (j.id, j.attempt)).collect::<Vec<_>>(),
            [(first[0].id, 2)]
        );
        // The first holder, late, can neither post nor settle: its attempt is fenced off.
        let (id, stale) = (first[0].id, first[0].attempt);
        assert!(mark_posting(&db, id, stale, "#alerts", 61_500).is_err());
        assert!(start(&db, id, stale).is_err());
        assert!(complete(&db, id, stale).is_err());
        assert!(reschedule(&db, id, stale, 70_000, "late", false).is_err());
        complete(&db, id, taken[0].attempt).unwrap();
        assert!(claim(&db, 200_000, 60_000, 10, "replica-1")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn deferred_claims_are_no_failures() {
        let db = with_alerts(&["a"], 1_000);
        let job = claim(&db, 1_000, 10_000, 10, "").unwrap().remove(0);
        assert_eq!((job.attempt, job.failures), (1, 0));
        defer(&db, job.id, job.attempt, 2_000).unwrap();
        assert!(claim(&db, 1_999, 10_000, 10, "").unwrap().is_empty());
        let job = claim(&db, 2_000, 10_000, 10, "").unwrap().remove(0);
        assert_eq!((job.attempt, job.failures), (2, 0));
        reschedule(&db, job.id, job.attempt, 3_000, "boom", false).unwrap();
        let job = claim(&db, 3_000, 10_000, 10, "").unwrap().remove(0);
        assert_eq!((job.attempt, job.failures), (3, 1));
        assert!(
            defer(&db, job.id, 2, 4_000).is_err(),
            "a lost lease cannot defer"
        );
    }

    #[test]
    fn a_posting_intent_survives_uncertain_failures_only() {
        let db = with_alerts(&["a"], 1_000);
        let job = claim(&db, 1_000, 10_000, 10, "").unwrap().remove(0);
        assert_eq!(job.posting, None);
        mark_posting(&db, job.id, job.attempt, "#alerts", 1_100).unwrap();
        reschedule(&db, job.id, job.attempt, 2_000, "timeout", true).unwrap();
        let job = claim(&db, 2_000, 10_000, 10, "").unwrap().remove(0);
        let intent = PostingIntent {
            channel: "#alerts".into(),
            since: 1_100,
        };
        assert_eq!(job.posting, Some(intent));
        // A second intent keeps the first moment: the lookup must reach back to it.
        mark_posting(&db, job.id, job.attempt, "#alerts", 2_100).unwrap();
        reschedule(&db, job.id, job.attempt, 3_000, "rate limited", false).unwrap();
        let job = claim(&db, 3_000, 10_000, 10, "").unwrap().remove(0);
        assert_eq!(job.posting, None);
        assert!(mark_posting(&db, job.id, job.attempt - 1, "#alerts", 3_100).is_err());
    }

    #[test]
    fn max_limits_the_claim() {
        let db = with_alerts(&["a", "b", "c"], 1_000);
        assert!(claim(&db, 1_000, 10, 0, "").unwrap().is_empty());
        assert_eq!(ids(claim(&db, 1_000, 10, 2, "")), [1, 2]);
        assert_eq!(ids(claim(&db, 1_000, 10, 2, "")), [3]);
    }

    #[test]
    fn complete_reschedule_and_dead_letter() {
        let db = with_alerts(&["a", "b", "c"], 1_000);
        let jobs = claim(&db, 1_000, 30_000, 10, "").unwrap();
        complete(&db, jobs[0].id, 1).unwrap();
        reschedule(&db, jobs[1].id, 1, 61_000, "slack: 503", false).unwrap();
        dead_letter(&db, jobs[2].id, 1, "slack: channel_not_found").unwrap();
        assert_eq!(
            db.table(
                "SELECT state, due_at, lease_until, last_error, attempts FROM outbox ORDER BY id"
            ),
            [
                "done|1000|NULL|NULL|1",
                "pending|61000|NULL|slack: 503|1",
                "dead|1000|NULL|slack: channel_not_found|1",
            ]
        );
        assert_eq!(
            deliveries(&db),
            [
                ("dead".to_string(), 1),
                ("delivered".to_string(), 1),
                ("retried".to_string(), 1)
            ]
        );
        // The rescheduled job comes back when due, with its error and the next attempt.
        assert!(claim(&db, 60_999, 30_000, 10, "").unwrap().is_empty());
        let retry = claim(&db, 61_000, 30_000, 10, "").unwrap();
        assert_eq!(retry.len(), 1);
        assert_eq!((retry[0].id, retry[0].attempt), (jobs[1].id, 2));
        assert_eq!(retry[0].last_error.as_deref(), Some("slack: 503"));
        let m = metrics::snapshot(&db, 61_000).unwrap();
        assert_eq!(
            (
                m.outbox.pending,
                m.outbox.leased,
                m.outbox.done,
                m.outbox.dead
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(m.outbox.oldest_pending_ms, 60_000);
    }

    #[test]
    fn a_lost_lease_is_invalid_and_changes_nothing() {
        let db = with_alerts(&["a"], 1_000);
        let first = claim(&db, 1_000, 10, 1, "").unwrap()[0].clone();
        let second = claim(&db, 2_000, 10, 1, "").unwrap()[0].clone();
        assert_eq!((first.attempt, second.attempt), (1, 2));
        let before = db.table("SELECT * FROM outbox");
        assert!(matches!(
            complete(&db, first.id, first.attempt),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            reschedule(&db, first.id, first.attempt, 9, "x", false),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            dead_letter(&db, first.id, first.attempt, "x"),
            Err(StoreError::Invalid(_))
        ));
        assert!(
            matches!(complete(&db, 999, 1), Err(StoreError::Invalid(_))),
            "unknown job"
        );
        assert_eq!(db.table("SELECT * FROM outbox"), before);
        assert!(deliveries(&db).is_empty(), "failed settles count nothing");
        // The current holder settles; afterwards the job is no longer pending.
        complete(&db, second.id, second.attempt).unwrap();
        assert!(matches!(
            complete(&db, second.id, second.attempt),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            dead_letter(&db, second.id, second.attempt, "x"),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(deliveries(&db), [("delivered".to_string(), 1)]);
    }

    #[test]
    fn jobs_of_one_alert_run_in_order() {
        let db = NativeDb::memory();
        let firing = alert("a", AlertStatus::Firing, 100, &[]);
        let resolved = alert("a", AlertStatus::Resolved, 100, &[]);
        webhook::record(&db, &hook(vec![firing]), 1_000, 1, u32::MAX).unwrap();
        webhook::record(&db, &hook(vec![resolved]), 1_000, 1, u32::MAX).unwrap();
        let jobs = claim(&db, 1_000, 10_000, 10, "").unwrap();
        assert_eq!(
            jobs.iter().map(|j| j.kind).collect::<Vec<_>>(),
            [JobKind::AlertFired]
        );
        // Still held back while the fired job is retried later...
        reschedule(&db, jobs[0].id, 1, 5_000, "timeout", false).unwrap();
        assert!(claim(&db, 2_000, 10_000, 10, "").unwrap().is_empty());
        // ...and released once it is settled.
        let fired = claim(&db, 5_000, 10_000, 10, "").unwrap();
        assert_eq!(fired.len(), 1);
        complete(&db, fired[0].id, fired[0].attempt).unwrap();
        let next = claim(&db, 5_000, 10_000, 10, "").unwrap();
        assert_eq!(
            next.iter().map(|j| j.kind).collect::<Vec<_>>(),
            [JobKind::AlertResolved]
        );
    }

    #[test]
    fn a_chart_redraw_is_enqueued_once_for_a_firing_alert_only() {
        let db = with_alerts(&["a"], 1_000);
        let fired = claim(&db, 1_000, 10_000, 10, "").unwrap();
        assert!(enqueue_chart_redraw(&db, 1, 3_000, 1_100).unwrap());
        assert!(
            !enqueue_chart_redraw(&db, 1, 9_000, 1_200).unwrap(),
            "one pending redraw per alert"
        );
        assert!(
            !enqueue_chart_redraw(&db, 99, 3_000, 1_200).unwrap(),
            "unknown alert"
        );
        // The redraw waits for the fired job, then comes due at its own time.
        assert!(claim(&db, 5_000, 10_000, 10, "").unwrap().is_empty());
        complete(&db, fired[0].id, fired[0].attempt).unwrap();
        assert!(claim(&db, 2_999, 10_000, 10, "").unwrap().is_empty());
        let redraw = claim(&db, 3_000, 10_000, 10, "").unwrap();
        assert_eq!(
            redraw
                .iter()
                .map(|j| (j.kind, j.alert_id))
                .collect::<Vec<_>>(),
            [(JobKind::ChartRedraw, 1)]
        );
        complete(&db, redraw[0].id, redraw[0].attempt).unwrap();
        assert!(
            enqueue_chart_redraw(&db, 1, 3_000, 4_000).unwrap(),
            "after the last one"
        );

        resolve_a(&db, 5_000);
        assert!(
            !enqueue_chart_redraw(&db, 1, 6_000, 6_000).unwrap(),
            "resolved alert"
        );
    }

    /// Alert "a" posted at 1 000 and its chart redraw due at `due`.
    fn posted_with_redraw_due(due: Timestamp) -> NativeDb {
        let db = with_alerts(&["a"], 1_000);
        let fired = claim(&db, 1_000, 10_000, 10, "").unwrap();
        complete(&db, fired[0].id, fired[0].attempt).unwrap();
        enqueue_chart_redraw(&db, 1, due, 1_000).unwrap();
        db
    }

    fn resolve_a(db: &NativeDb, now: Timestamp) {
        let resolved = alert("a", AlertStatus::Resolved, 100, &[]);
        webhook::record(db, &hook(vec![resolved]), now, 1, u32::MAX).unwrap();
    }

    #[test]
    fn a_resolve_cancels_a_waiting_redraw_so_it_does_not_hold_the_resolve_up() {
        let db = posted_with_redraw_due(60_000);
        resolve_a(&db, 2_000);
        let next = claim(&db, 2_000, 10_000, 10, "").unwrap();
        assert_eq!(
            next.iter().map(|j| j.kind).collect::<Vec<_>>(),
            [JobKind::AlertResolved],
            "the resolve runs at once"
        );
        assert_eq!(
            db.strings(
                "SELECT state || ': ' || last_error FROM outbox WHERE kind = 'chart-redraw'"
            ),
            ["done: cancelled: the alert resolved"]
        );
    }

    #[test]
    fn a_running_redraw_finishes_before_the_resolve() {
        let db = posted_with_redraw_due(1_000);
        let redraw = claim(&db, 1_000, 10_000, 10, "").unwrap();
        resolve_a(&db, 2_000);
        assert!(
            claim(&db, 2_000, 10_000, 10, "").unwrap().is_empty(),
            "the resolve waits for the redraw in flight"
        );
        complete(&db, redraw[0].id, redraw[0].attempt).unwrap();
        let next = claim(&db, 2_000, 10_000, 10, "").unwrap();
        assert_eq!(next[0].kind, JobKind::AlertResolved);
    }
}
