//! Delivering the outbox: take one of a few drain turns, lease due jobs, run each by its kind,
//! then complete the job, reschedule it with backoff, or dead-letter it when retrying cannot
//! help.
//!
//! Layout: this file is the drain loop (turns, time budget, leases) and the [`Courier`] that
//! carries jobs out; `jobs` dispatches a job by its kind to its family (`alert`: post and
//! resolve, `redraw`, `refresh`, `silence`, `summary`, `zoom`). `channel` sends in a channel's turn,
//! `chart` draws a message's chart, `earlier` looks for a post whose answer was lost, `pauses`
//! pauses delivery on a configuration fault, `settle` writes down what an attempt did, `limits`
//! bounds attempts and leases, `failure` classifies why a job did not complete. Everything
//! outside the instance is behind `seams` (store, chat service, Alertmanager, chart drawer),
//! so `tests` run each transition and failure class natively on fakes.

use std::time::{Duration, Instant};

use failure::describe;
pub use failure::Failure;
use limits::{given_up, Limits, DEATHS_WITHOUT_CHART, MAX_DEATHS};
use seams::{Edges, Live, Store, WitStore};
use settle::settle;
use silence::settle_ended_silences;

use crate::busy::sleep;
use crate::chart::draw::Window;
use crate::config::{self, ChartDelivery};
use crate::slack::api::Client;
use crate::slack::message::Controls;
use crate::store::{Job, Timestamp};

mod alert;
mod channel;
mod chart;
mod earlier;
mod failure;
mod jobs;
mod limits;
mod pauses;
mod redraw;
mod refresh;
pub mod seams;
mod settle;
mod silence;
mod summary;
#[cfg(test)]
mod tests;
mod zoom;

/// Instances delivering at once: enough to keep 50 paced channels busy while each waits on
/// Prometheus and Slack; a burst's other instances answer and end instead of each draining.
const DRAINERS: u32 = 4;
/// Jobs leased per round.
const BATCH: u32 = 20;
/// A drainer waits this long at most for the next due job (a paced channel's next turn)
/// instead of leaving it for the next periodic drain.
const MAX_IDLE: Duration = Duration::from_secs(2);

/// What the messages show and how they are sent, beyond the alert itself.
pub struct Options {
    pub default_channel: Option<String>,
    pub explorer_url: Option<String>,
    /// The buttons firing messages get; `None` while the chat service cannot reach us.
    pub controls: Option<Controls>,
    pub chart_delivery: ChartDelivery,
    /// Where the chat service fetches a chart image (`Url` delivery).
    pub base_url: Option<String>,
    pub window: Window,
    /// How many new alerts of one webhook get a message each (for a resolve made up here).
    pub group_limit: u32,
    /// Whether an alert's `slack_mention` may ping `here` and `channel`.
    pub allow_broadcast_mentions: bool,
}

impl Options {
    fn new(slack: &config::Slack, charts: &config::Charts, group_limit: u32) -> Options {
        Options {
            default_channel: slack.default_channel.clone(),
            explorer_url: slack.explorer_url.clone(),
            controls: slack.controls,
            chart_delivery: charts.delivery,
            base_url: charts.base_url.clone(),
            window: Window::Around {
                before_ms: charts.window_before_ms,
                after_ms: charts.window_after_ms,
            },
            group_limit,
            allow_broadcast_mentions: slack.allow_broadcast_mentions,
        }
    }
}

/// Carries outbox jobs out: the settings, and each thing outside the instance behind its seam.
pub struct Courier<'a, E: Edges> {
    pub store: &'a E::Store,
    pub chat: &'a E::Chat,
    /// `None` without ALERTMANAGER_URL.
    pub alertmanager: Option<&'a E::Alertmanager>,
    /// `None` without PROMETHEUS_URL: messages go out without charts.
    pub drawer: Option<&'a E::Drawer>,
    pub options: &'a Options,
}

/// What a drain delivers to the chat service: its client, the charts and the message options.
struct Deliveries {
    client: Client,
    charts: config::Charts,
    options: Options,
}

impl Deliveries {
    /// `None` (logged) when the chart settings cannot be read.
    fn new(slack: &config::Slack, group_limit: u32) -> Option<Deliveries> {
        let charts = config::charts()
            .map_err(|e| eprintln!("alertgraph: cannot read the chart settings: {e}"))
            .ok()?;
        Some(Deliveries {
            client: Client {
                api_url: slack.api_url.clone(),
                token: slack.token.clone(),
                channel_interval_ms: slack.channel_interval_ms,
            },
            options: Options::new(slack, &charts, group_limit),
            charts,
        })
    }
}

/// Delivers due jobs until none is left or the time budget is spent, and follows up the
/// silences that ran out. Without a chat service (`slack` is `None`: no SLACK_BOT_TOKEN) the
/// outbox waits, but the silences made from it before are still followed up: that needs only
/// the store and Alertmanager.
pub async fn drain(slack: Option<config::Slack>) {
    let Some(owner) = lease_owner() else { return };
    let alertmanager = match config::alertmanager() {
        Ok(alertmanager) => alertmanager,
        Err(e) => {
            eprintln!("alertgraph: cannot read variable alertmanager_url: {e}");
            return;
        }
    };
    let group_limit = config::group_limit();
    let deliveries = match &slack {
        Some(slack) => match Deliveries::new(slack, group_limit) {
            Some(deliveries) => Some(deliveries),
            None => return,
        },
        None if alertmanager.is_none() => return,
        None => None,
    };
    let courier = deliveries.as_ref().map(|d| Courier::<Live> {
        store: &WitStore,
        chat: &d.client,
        alertmanager: alertmanager.as_ref(),
        drawer: d.charts.prometheus.as_ref(),
        options: &d.options,
    });
    let limits = Limits::for_time_limit(config::instance_time_limit());
    let started = Instant::now();
    let deadline = started + limits.budget;
    let settle_by = started + limits.settle_within;
    let store = &WitStore;
    while Instant::now() < deadline {
        let turn = match store.begin_drain(crate::now_ms(), limits.lease_ms, DRAINERS, &owner) {
            Ok(Some(turn)) => turn,
            // The holders of every turn will see this instance's jobs before they stop.
            Ok(None) => return,
            Err(e) => {
                eprintln!("alertgraph: cannot take a drain turn: {}", describe(&e));
                return;
            }
        };
        if let Some(courier) = &courier {
            courier
                .deliver_due(&owner, limits.lease_ms, (deadline, settle_by))
                .await;
        }
        // After the deliveries, in what is left of the budget; one drainer at a time looks, so
        // concurrent drainers do not ask Alertmanager twice.
        if let (0, Some(alertmanager)) = (turn.slot, &alertmanager) {
            settle_ended_silences(store, alertmanager, group_limit, deadline).await;
        }
        let now = crate::now_ms();
        match store.end_drain(turn, now) {
            // Only deliveries wait for a job due soon; the silences are looked at once a drain.
            Ok(Some(next)) if courier.is_some() => {
                match wait_before_next(now, next, left(deadline)) {
                    Some(wait) => sleep(wait),
                    None => return,
                }
            }
            Ok(_) => return,
            Err(e) => {
                eprintln!("alertgraph: cannot end the drain turn: {}", describe(&e));
                return;
            }
        }
    }
}

/// Who takes the drain's leases; `None` (logged) when the variable cannot be read.
fn lease_owner() -> Option<String> {
    config::lease_owner()
        .map_err(|e| eprintln!("alertgraph: cannot read variable lease_owner: {e}"))
        .ok()
}

/// How long to wait before draining again for a job next claimable at `next`: only a short
/// wait that fits the budget (a paced channel's next turn); later jobs are the tick's.
fn wait_before_next(now: Timestamp, next: Timestamp, left: Duration) -> Option<Duration> {
    let wait = Duration::from_millis(u64::try_from(next.saturating_sub(now)).unwrap_or(0));
    (wait <= MAX_IDLE && wait < left).then_some(wait)
}

fn left(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

impl<E: Edges> Courier<'_, E> {
    /// Claims and delivers due jobs until none is left or the budget (`deadline`) is spent;
    /// a busy database may hold up a settle until `settle_by`.
    async fn deliver_due(
        &self,
        owner: &str,
        lease_ms: u32,
        (deadline, settle_by): (Instant, Instant),
    ) {
        while Instant::now() < deadline {
            let jobs = match self
                .store
                .claim_jobs(crate::now_ms(), lease_ms, BATCH, owner)
            {
                Ok(jobs) if jobs.is_empty() => return,
                Ok(jobs) => jobs,
                Err(e) => {
                    eprintln!("alertgraph: cannot claim outbox jobs: {}", describe(&e));
                    return;
                }
            };
            for (i, job) in jobs.iter().enumerate() {
                if Instant::now() >= deadline {
                    // Out of time: the jobs not started are anyone's again now, not after the
                    // lease.
                    self.release(&jobs[i..]);
                    return;
                }
                if let Some(reason) = given_up(job) {
                    let result = Err(Failure::Permanent(reason).into());
                    settle(self.store, job, result, settle_by);
                    continue;
                }
                // From here on, should this instance die, the job's next claim counts a death.
                if let Err(e) = self.store.start_job(job.id, job.attempt) {
                    eprintln!(
                        "alertgraph: cannot start outbox job {}: {}",
                        job.id,
                        describe(&e)
                    );
                    continue;
                }
                // A job that killed an instance before goes alone: its batch-mates are not
                // held up by its lease should it kill this one too.
                let alone = job.deaths > 0;
                if alone {
                    self.release(&jobs[i + 1..]);
                    eprintln!(
                        "alertgraph: outbox job {} (alert {}): the instance of an earlier \
                         attempt stopped before settling it ({} of {MAX_DEATHS} such stops){}",
                        job.id,
                        job.alert_id,
                        job.deaths,
                        if job.deaths >= DEATHS_WITHOUT_CHART {
                            ": sending it without its chart"
                        } else {
                            ""
                        }
                    );
                }
                let result = self.deliver(job).await;
                settle(self.store, job, result, settle_by);
                if alone {
                    break;
                }
            }
        }
    }

    /// Gives leased jobs back unstarted: due now, and no attempt counted against them.
    fn release(&self, jobs: &[Job]) {
        for job in jobs {
            if let Err(e) = self.store.defer_job(job.id, job.attempt, crate::now_ms()) {
                eprintln!(
                    "alertgraph: cannot release outbox job {}: {}",
                    job.id,
                    describe(&e)
                );
            }
        }
    }
}
