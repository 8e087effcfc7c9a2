//! Writing down what an attempt did: its record of a post, its steps, and its outcome in the
//! outbox, each retried while the database is busy or away, since losing one after Slack took
//! the message would make another replica send it again.

use std::time::{Duration, Instant};

use super::failure::{describe, Failure, Hold};
use super::limits::MAX_ATTEMPTS;
use super::pauses::pause_delivery;
use super::seams::Store;
use crate::busy::{while_busy, BUSY_RETRY};
use crate::slack::api::Posted;
use crate::store::{ChatMessage, Job, StoreError, Timestamp};

/// The longest wait between two tries: once Slack is back, a backlog goes out within a minute.
const MAX_BACKOFF_MS: u64 = 60_000;
/// How long a post's record waits for a busy or away database.
const RECORD_PATIENCE: Duration = Duration::from_secs(5);

/// Records the message Slack took for the alert. A post cannot be taken back, so a busy or
/// away database is waited out for a while; if it stays so, the attempt counts as maybe
/// posted, so the next one looks for the message before posting.
pub(super) fn record(
    store: &impl Store,
    alert_id: i64,
    posted: Posted,
    requested_channel: &str,
    unverified: bool,
) -> Result<(), Failure> {
    let message = ChatMessage {
        channel: posted.channel,
        ts: posted.ts,
    };
    // Slack has the message: a record lost to a short outage would make the next attempt
    // look for it, or post it again where the channel's id is not known yet.
    let until = Instant::now() + RECORD_PATIENCE;
    let saved = while_busy(until, || {
        let now = crate::now_ms();
        store.save_message(alert_id, &message, requested_channel, now, unverified)
    });
    saved.map_err(|e| Failure::Retry {
        after_ms: None,
        reason: format!("store, after posting: {}", describe(&e)),
        maybe_posted: true,
    })
}

/// Writes the job's fate; a lost lease means another instance owns it now.
pub(super) fn settle(store: &impl Store, job: &Job, result: Result<(), Hold>, settle_by: Instant) {
    let outcome = Outcome::of(store, job, result);
    if let Err(e) = while_busy(settle_by, || outcome.write(store, job)) {
        eprintln!(
            "alertgraph: cannot settle outbox job {}: {}",
            job.id,
            describe(&e)
        );
    }
}

/// Step `step` of the job reached Slack: recorded so that an attempt after a lost settle
/// skips it. Should the record fail too, the step may be repeated: a lesser harm than a stop.
pub(super) fn step_done(store: &impl Store, job: &Job, step: u32) {
    let until = Instant::now() + BUSY_RETRY * 8;
    if let Err(e) = while_busy(until, || store.record_job_step(job.id, job.attempt, step)) {
        eprintln!(
            "alertgraph: outbox job {}: cannot record step {step}: {}",
            job.id,
            describe(&e)
        );
    }
}

/// What an attempt leaves in the outbox.
enum Outcome {
    Complete,
    Defer(Timestamp),
    Reschedule {
        due: Timestamp,
        reason: String,
        uncertain: bool,
    },
    DeadLetter(String),
}

impl Outcome {
    /// Decided once per attempt: a dead letter is logged and a pause taken here, not again
    /// on each busy retry of the write.
    fn of(store: &impl Store, job: &Job, result: Result<(), Hold>) -> Outcome {
        let tries = job.failures + 1;
        let later =
            |wait: u64| crate::now_ms().saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
        let outcome = match result {
            Ok(()) => Outcome::Complete,
            Err(Hold::Deferred(until)) => Outcome::Defer(until),
            Err(Hold::Failed(Failure::Retry {
                after_ms,
                reason,
                maybe_posted,
            })) if tries < MAX_ATTEMPTS => Outcome::Reschedule {
                due: later(after_ms.unwrap_or_else(|| backoff_ms(tries, crate::now_ms()))),
                reason,
                // An earlier unanswered post stays in doubt until a lookup settles it.
                uncertain: maybe_posted || job.posting.is_some(),
            },
            // A file still unprocessed after the job's own waits: like any passing trouble.
            Err(Hold::Failed(Failure::NotReady(reason))) if tries < MAX_ATTEMPTS => {
                Outcome::Reschedule {
                    due: later(backoff_ms(tries, crate::now_ms())),
                    reason,
                    uncertain: job.posting.is_some(),
                }
            }
            Err(Hold::Failed(Failure::Retry { reason, .. } | Failure::NotReady(reason))) => {
                Outcome::DeadLetter(format!("gave up after {tries} attempts: {reason}"))
            }
            Err(Hold::Failed(Failure::Permanent(reason))) => Outcome::DeadLetter(reason),
            // Never dead-lettered: the job waits out the pause until someone fixes the fault.
            Err(Hold::Failed(Failure::Misconfigured {
                channel,
                code,
                reason,
            })) => Outcome::Reschedule {
                due: pause_delivery(store, channel, code, &reason)
                    .unwrap_or_else(|| later(backoff_ms(tries, crate::now_ms()))),
                reason,
                uncertain: job.posting.is_some(),
            },
        };
        if let Outcome::DeadLetter(reason) = &outcome {
            eprintln!("alertgraph: dead-lettered outbox job {}: {reason}", job.id);
        }
        outcome
    }

    /// Records it, if this attempt still holds the job's lease.
    fn write(&self, store: &impl Store, job: &Job) -> Result<(), StoreError> {
        match self {
            Outcome::Complete => store.complete_job(job.id, job.attempt),
            Outcome::Defer(until) => store.defer_job(job.id, job.attempt, *until),
            Outcome::Reschedule {
                due,
                reason,
                uncertain,
            } => store.reschedule_job(job.id, job.attempt, *due, reason, *uncertain),
            Outcome::DeadLetter(reason) => store.dead_letter_job(job.id, job.attempt, reason),
        }
    }
}

/// 2 s, 4 s, 8 s … capped at a minute, with ±20 % jitter so retries of a burst spread out.
pub(super) fn backoff_ms(attempt: u32, now_ms: i64) -> u64 {
    let base = 2_000u64.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    let capped = base.min(MAX_BACKOFF_MS);
    // The clock's low digits are jitter enough; no randomness source is needed for this.
    let spread = (now_ms.unsigned_abs() % 401) as i64 - 200; // -200..=200 per mille
    let jittered = capped as i64 + capped as i64 * spread / 1000;
    jittered.max(1) as u64
}
