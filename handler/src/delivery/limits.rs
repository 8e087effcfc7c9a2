//! How long a drain works and holds its leases, and when a claimed job is given up before it
//! starts: the limits that keep a job from being claimed forever.

use std::time::Duration;

use crate::store::Job;

/// A job, or a drain turn, is someone else's again if its instance dies this long after
/// taking it, where the runtime does not say its time limit (Spin).
const LEASE_MS: u32 = 60_000;
/// Where it does (the embedded host), a lease lasts the time limit and this much more.
const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// Stop claiming after this long, well inside the host's per-request time limit.
const BUDGET: Duration = Duration::from_secs(15);
/// A settle the database keeps refusing is retried up to this long before the time limit
/// (or, where none is said, this long after the budget), so the instance ends first.
const SETTLE_MARGIN: Duration = Duration::from_secs(2);
/// After this many failed attempts a job is dead-lettered whatever the cause: about a day of
/// tries at the capped backoff, so a long Slack outage loses nothing.
pub const MAX_ATTEMPTS: u32 = 1_440;
/// After this many attempts whose instance died (a chart too big for memory, a hung
/// Prometheus past the time limit), the alert goes out without its chart.
pub const DEATHS_WITHOUT_CHART: u32 = 2;
/// … and after this many, even that failed: the job is dead-lettered with its reason.
pub const MAX_DEATHS: u32 = 3;

/// A drain's time budget and its leases, fitted to the instance's time limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub budget: Duration,
    pub lease_ms: u32,
    /// From the drain's start, how long a busy database may hold up a settle: the write
    /// that keeps what reached Slack from being sent again.
    pub settle_within: Duration,
}

impl Limits {
    /// `time_limit`: the host's per-request limit, when it says (the embedded host does).
    pub fn for_time_limit(time_limit: Option<Duration>) -> Limits {
        let Some(limit) = time_limit else {
            return Limits {
                budget: BUDGET,
                lease_ms: LEASE_MS,
                settle_within: BUDGET + BUDGET,
            };
        };
        // A lease outlives the instance that holds it, so a live instance never loses one,
        // yet a dead one's job is taken over 10 s after its time limit.
        let lease = limit.saturating_add(LEASE_MARGIN).as_millis();
        let budget = BUDGET.min(limit / 2);
        Limits {
            budget,
            lease_ms: u32::try_from(lease).unwrap_or(u32::MAX),
            settle_within: limit.saturating_sub(SETTLE_MARGIN).max(budget),
        }
    }
}

/// Why a claimed job is given up before it starts: the limits are looked at when claiming
/// too, as a job whose instance dies never settles.
pub fn given_up(job: &Job) -> Option<String> {
    if job.deaths >= MAX_DEATHS {
        return Some(format!(
            "its instance stopped {} times before settling it (out of memory or past the \
             time limit); last error: {}",
            job.deaths,
            job.last_error.as_deref().unwrap_or("none")
        ));
    }
    (job.failures >= MAX_ATTEMPTS).then(|| {
        format!(
            "gave up after {} attempts: {}",
            job.failures,
            job.last_error.as_deref().unwrap_or("no error recorded")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_outlive_the_instance_and_the_budget_fits_inside_it() {
        let s = Duration::from_secs;
        assert_eq!(
            Limits::for_time_limit(None),
            Limits {
                budget: s(15),
                lease_ms: 60_000,
                settle_within: s(30)
            },
            "Spin does not say its limit"
        );
        assert_eq!(
            Limits::for_time_limit(Some(s(30))),
            Limits {
                budget: s(15),
                lease_ms: 40_000,
                settle_within: s(28)
            }
        );
        assert_eq!(
            Limits::for_time_limit(Some(s(6))),
            Limits {
                budget: s(3),
                lease_ms: 16_000,
                settle_within: s(4)
            }
        );
    }
}
