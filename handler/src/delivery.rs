//! Delivering the outbox to Slack: take one of a few drain turns, lease due jobs, post or
//! update each alert's message, then complete the job, reschedule it with backoff, or
//! dead-letter it when retrying cannot help.
//! A chart that could not be drawn for a passing cause is redrawn by a later `chart-redraw`
//! job while the alert is open.

use std::time::{Duration, Instant};

use earlier::{earlier_post, Earlier};
use limits::{given_up, Limits, DEATHS_WITHOUT_CHART, MAX_ATTEMPTS, MAX_DEATHS};
use pauses::{pause_delivery, resume_delivery};
use settle::{record, settle, step_done};

use crate::alertmanager::SilenceSpec;
use crate::chart::draw::{draw, DrawFailure, Drawing, Window};
use crate::chart::plot::Alerting;
use crate::config::{self, ChartDelivery};
use crate::slack::api::{Client, Failure, Posted, Upload};
use crate::slack::message::{self, AlertView, Chart, MessageOptions, Metadata, Responses};
use crate::store::{
    self, AlertSilence, AlertStatus, Job, JobKind, PostingJob, SlackMessage, StoreError,
    StoredAlert, Timestamp,
};

/// Instances delivering at once: enough to keep 50 paced channels busy while each waits on
/// Prometheus and Slack; a burst's other instances answer and end instead of each draining.
const DRAINERS: u32 = 4;
/// Jobs leased per round.
const BATCH: u32 = 20;
/// A drainer waits this long at most for the next due job (a paced channel's next turn)
/// instead of leaving it for the next periodic drain.
const MAX_IDLE: Duration = Duration::from_secs(2);
/// A chart that failed for a passing cause is tried again this long after the post.
const REDRAW_AFTER_MS: i64 = 10_000;
/// The steps of an `alert-resolved` job, as `record-job-step` counts them.
const RESOLVE_EDITED: u32 = 1;
const RESOLVE_REPLIED: u32 = 2;

mod earlier;
mod limits;
mod pauses;
mod settle;

/// Why a job did not complete this time.
enum Hold {
    Failed(Failure),
    /// Its channel has no turn before then: not a failure.
    Deferred(Timestamp),
}

impl From<Failure> for Hold {
    fn from(failure: Failure) -> Hold {
        Hold::Failed(failure)
    }
}

/// Delivers due jobs until none is left or the time budget is spent.
pub async fn drain(settings: &config::Slack) {
    let client = Client {
        api_url: settings.api_url.clone(),
        token: settings.token.clone(),
    };
    let owner = match config::lease_owner() {
        Ok(owner) => owner,
        Err(e) => {
            eprintln!("alertgraph: cannot read variable lease_owner: {e}");
            return;
        }
    };
    let charts = match config::charts() {
        Ok(charts) => charts,
        Err(e) => {
            eprintln!("alertgraph: cannot read the chart settings: {e}");
            return;
        }
    };
    let limits = Limits::for_time_limit(config::instance_time_limit());
    let started = Instant::now();
    let deadline = started + limits.budget;
    let settle_by = started + limits.settle_within;
    while Instant::now() < deadline {
        let turn = match store::begin_drain(crate::now_ms(), limits.lease_ms, DRAINERS, &owner) {
            Ok(Some(turn)) => turn,
            // The holders of every turn will see this instance's jobs before they stop.
            Ok(None) => return,
            Err(e) => {
                eprintln!("alertgraph: cannot take a drain turn: {}", describe(&e));
                return;
            }
        };
        deliver_due(
            settings,
            &charts,
            &client,
            &owner,
            limits.lease_ms,
            (deadline, settle_by),
        )
        .await;
        // After the deliveries, in what is left of the budget; one drainer at a time looks, so
        // concurrent drainers do not ask Alertmanager twice.
        if turn.slot == 0 {
            settle_ended_silences(settings, deadline).await;
        }
        let now = crate::now_ms();
        match store::end_drain(turn, now) {
            Ok(Some(next)) => match wait_before_next(now, next, left(deadline)) {
                Some(wait) => sleep(wait),
                None => return,
            },
            Ok(None) => return,
            Err(e) => {
                eprintln!("alertgraph: cannot end the drain turn: {}", describe(&e));
                return;
            }
        }
    }
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

/// Blocks the instance (not the host) for `wait`.
fn sleep(wait: Duration) {
    if !wait.is_zero() {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        wasi::clocks::monotonic_clock::subscribe_duration(nanos).block();
    }
}

/// Claims and delivers due jobs until none is left or the budget (`deadline`) is spent;
/// a busy database may hold up a settle until `settle_by`.
async fn deliver_due(
    settings: &config::Slack,
    charts: &config::Charts,
    client: &Client,
    owner: &str,
    lease_ms: u32,
    (deadline, settle_by): (Instant, Instant),
) {
    while Instant::now() < deadline {
        let jobs = match store::claim_jobs(crate::now_ms(), lease_ms, BATCH, owner) {
            Ok(jobs) if jobs.is_empty() => return,
            Ok(jobs) => jobs,
            Err(e) => {
                eprintln!("alertgraph: cannot claim outbox jobs: {}", describe(&e));
                return;
            }
        };
        for (i, job) in jobs.iter().enumerate() {
            if Instant::now() >= deadline {
                // Out of time: the jobs not started are anyone's again now, not after the lease.
                release(&jobs[i..]);
                return;
            }
            if let Some(reason) = given_up(job) {
                settle(job, Err(Failure::Permanent(reason).into()), settle_by);
                continue;
            }
            // From here on, should this instance die, the job's next claim counts a death.
            if let Err(e) = store::start_job(job.id, job.attempt) {
                eprintln!(
                    "alertgraph: cannot start outbox job {}: {}",
                    job.id,
                    describe(&e)
                );
                continue;
            }
            // A job that killed an instance before goes alone: its batch-mates are not held
            // up by its lease should it kill this one too.
            let alone = job.deaths > 0;
            if alone {
                release(&jobs[i + 1..]);
                eprintln!(
                    "alertgraph: outbox job {} (alert {}): the instance of an earlier attempt \
                     stopped before settling it ({} of {MAX_DEATHS} such stops){}",
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
            let result = deliver(settings, charts, client, job).await;
            settle(job, result, settle_by);
            if alone {
                break;
            }
        }
    }
}

/// Gives leased jobs back unstarted: due now, and no attempt counted against them.
fn release(jobs: &[Job]) {
    for job in jobs {
        if let Err(e) = store::defer_job(job.id, job.attempt, crate::now_ms()) {
            eprintln!(
                "alertgraph: cannot release outbox job {}: {}",
                job.id,
                describe(&e)
            );
        }
    }
}

async fn deliver(
    settings: &config::Slack,
    charts: &config::Charts,
    client: &Client,
    job: &Job,
) -> Result<(), Hold> {
    if job.kind == JobKind::GroupSummary {
        return deliver_summary(settings, client, job).await;
    }
    let stored = store::get_alert(job.alert_id)
        .map_err(retry)?
        .ok_or_else(|| Failure::Permanent(format!("alert {} is gone", job.alert_id)))?;
    match job.kind {
        JobKind::Silence => return silence(settings, job, &stored).await,
        JobKind::Unsilence => return unsilence(settings, &stored).await,
        _ => {}
    }
    let alert = AlertView::of(&stored.alert);
    let channel = message::channel_for(
        alert.labels,
        alert.annotations,
        settings.default_channel.as_deref(),
    )
    .ok_or_else(|| {
        Failure::Permanent("no Slack channel: set SLACK_CHANNEL or a slack_channel label".into())
    })?;
    let existing = store::find_message(job.alert_id).map_err(retry)?;
    match (job.kind, existing) {
        (JobKind::GroupSummary | JobKind::Silence | JobKind::Unsilence, _) => {
            unreachable!("delivered above")
        }
        // Posted by an earlier attempt that could not complete the job.
        (JobKind::AlertFired, Some(_)) => Ok(()),
        (JobKind::AlertFired | JobKind::AlertResolved, None) => {
            // A busy channel defers the job before its chart is drawn.
            wait_for_turn(&channel)?;
            let mut unverified = false;
            if let Some(intent) = &job.posting {
                match earlier_post(client, intent, job.alert_id).await? {
                    Earlier::Posted(found) => {
                        return Ok(record(job.alert_id, found, &intent.channel, false)?)
                    }
                    Earlier::None => {}
                    Earlier::Unknown => unverified = true,
                }
            }
            let charted = chart(charts, job, &alert).await;
            let mut body = alert_body(settings, &stored, &charted.options(settings), &channel);
            body.metadata = Some(Metadata::alert(job.alert_id));
            let posted = post(settings, client, &body, Some(job)).await?;
            let thread = (posted.channel.clone(), posted.ts.clone());
            record(job.alert_id, posted, &channel, unverified)?;
            charted.reached_slack();
            charted.upload(client, &thread.0, &thread.1).await;
            if charted.transient {
                schedule_redraw(job.alert_id);
            }
            Ok(())
        }
        // Nothing was posted that a chart could be added to, or that could show a response.
        (JobKind::ChartRedraw | JobKind::MessageRefresh, None) => Ok(()),
        // The resolve redraws the chart itself.
        (JobKind::ChartRedraw, Some(_)) if stored.alert.status == AlertStatus::Resolved => Ok(()),
        (JobKind::ChartRedraw, Some(original)) => {
            let charted = chart(charts, job, &alert).await;
            if let Chart::Unavailable(reason) = &charted.shown {
                if charted.transient {
                    return Err(retry_chart(reason).into());
                }
                eprintln!(
                    "alertgraph: the chart of alert {} stays out: {reason}",
                    job.alert_id
                );
                return Ok(());
            }
            update_in_place(settings, client, &stored, &channel, &original, &charted).await?;
            charted.reached_slack();
            charted
                .upload(client, &original.channel, &original.ts)
                .await;
            Ok(())
        }
        // Someone acted on the message: it shows the alert as it stands, chart redrawn (an
        // uploaded chart stays in the thread).
        (JobKind::MessageRefresh, Some(original)) => {
            let charted = match charts.delivery {
                ChartDelivery::Url => chart(charts, job, &alert).await,
                ChartDelivery::Upload => Charted::none(),
            };
            update_in_place(settings, client, &stored, &channel, &original, &charted).await?;
            charted.reached_slack();
            if charted.transient && stored.alert.status == AlertStatus::Firing {
                schedule_redraw(job.alert_id);
            }
            Ok(())
        }
        // An attempt after a lost settle or a failed reply skips the steps Slack already has.
        (JobKind::AlertResolved, Some(_)) if job.steps_done >= RESOLVE_REPLIED => Ok(()),
        (JobKind::AlertResolved, Some(original)) => {
            wait_for_turn(&original.channel)?;
            let charted = chart(charts, job, &alert).await;
            // One turn covers the edit and its reply, so a busy channel defers both before
            // either is sent rather than repeating the edit.
            take_turn(settings, &original.channel, None)?;
            if job.steps_done < RESOLVE_EDITED {
                let mut updated =
                    alert_body(settings, &stored, &charted.options(settings), &channel);
                updated.channel = original.channel.clone();
                client.update_message(&updated, &original.ts).await?;
                charted.reached_slack();
                step_done(job, RESOLVE_EDITED);
            }
            let reply = message::resolved_reply(&alert, &original.channel, &original.ts);
            send(client, &reply).await?;
            step_done(job, RESOLVE_REPLIED);
            charted
                .upload(client, &original.channel, &original.ts)
                .await;
            Ok(())
        }
    }
}

/// `chat.update` of the alert's message with what it shows now.
async fn update_in_place(
    settings: &config::Slack,
    client: &Client,
    stored: &StoredAlert,
    channel: &str,
    original: &SlackMessage,
    charted: &Charted,
) -> Result<(), Hold> {
    let mut updated = alert_body(settings, stored, &charted.options(settings), channel);
    updated.channel = original.channel.clone();
    updated.metadata = Some(Metadata::alert(stored.id));
    client.update_message(&updated, &original.ts).await?;
    resume_delivery(&original.channel);
    Ok(())
}

/// The alert's message with what the store knows of its past (without that line when the
/// store cannot tell: the message matters more), who acted on it, and its buttons.
fn alert_body(
    settings: &config::Slack,
    stored: &StoredAlert,
    options: &MessageOptions,
    channel: &str,
) -> message::Message {
    let alert = AlertView::of(&stored.alert);
    let alert_id = stored.id;
    let now = crate::now_ms();
    let mut body = message::alert_message(&alert, options, channel);
    let responses = Responses {
        acknowledged: stored.acknowledged.as_ref(),
        silenced: stored.silenced.as_ref(),
    };
    message::add_controls(
        &mut body,
        &alert,
        alert_id,
        responses,
        settings.controls,
        now,
    );
    match store::get_alert_history(alert_id, now) {
        Ok(Some(history)) => message::add_history(&mut body, &history),
        Ok(None) => {}
        Err(e) => eprintln!(
            "alertgraph: no history line for alert {alert_id}: {}",
            describe(&e)
        ),
    }
    body
}

/// An alert's chart, as the message shows it and, in upload mode, the PNG to upload.
struct Charted {
    shown: Chart,
    upload: Option<(Drawing, String)>,
    /// Not drawn, for a cause that can pass: worth a `chart-redraw` job.
    transient: bool,
    /// The stored chart's token, once drawn.
    token: Option<String>,
}

impl Charted {
    fn none() -> Charted {
        Charted {
            shown: Chart::None,
            upload: None,
            transient: false,
            token: None,
        }
    }

    /// The message showing the chart's URL went out: the alert's older charts can go.
    fn reached_slack(&self) {
        if matches!(self.shown, Chart::Image { .. }) {
            self.mark_shown();
        }
    }

    fn mark_shown(&self) {
        let Some(token) = &self.token else { return };
        if let Err(e) = store::chart_shown(token, crate::now_ms()) {
            // Only retention waits on it: the older charts stay until CHART_RETENTION.
            eprintln!("alertgraph: cannot mark a chart as shown: {}", describe(&e));
        }
    }

    fn options(&self, settings: &config::Slack) -> MessageOptions {
        MessageOptions {
            explorer_url: settings.explorer_url.clone(),
            chart: self.shown.clone(),
        }
    }

    /// Uploads the chart into the message's thread. The message is already recorded, so a
    /// failure here is logged and the message stays without its chart.
    async fn upload(&self, client: &Client, channel_id: &str, thread_ts: &str) {
        let Some((drawing, filename)) = &self.upload else {
            return;
        };
        let upload = Upload {
            channel_id,
            thread_ts,
            filename,
            title: &drawing.alt,
            png: &drawing.png,
        };
        match client.upload_png(&upload).await {
            Ok(()) => self.mark_shown(),
            Err(e) => eprintln!("alertgraph: chart upload to {channel_id} failed: {e:?}"),
        }
    }
}

/// Draws the alert's chart now (a resolved alert gets its resolved span) and stores it;
/// not once drawing it has killed the job's instance twice.
async fn chart(charts: &config::Charts, job: &Job, alert: &AlertView<'_>) -> Charted {
    let alert_id = job.alert_id;
    let unavailable = |failure: DrawFailure| Charted {
        shown: Chart::Unavailable(failure.reason),
        upload: None,
        transient: failure.transient,
        token: None,
    };
    if job.deaths >= DEATHS_WITHOUT_CHART {
        return unavailable(DrawFailure {
            reason: format!(
                "could not be drawn: the instance drawing it stopped {} times (out of memory \
                 or past the time limit)",
                job.deaths
            ),
            transient: false,
        });
    }
    let Some(prometheus) = &charts.prometheus else {
        return Charted::none();
    };
    let alerting = Alerting {
        alertname: alert.alertname,
        labels: alert.labels,
        starts_at: alert.starts_at_ms,
        ends_at: alert.ends_at_ms,
    };
    let window = Window {
        before_ms: charts.window_before_ms,
        after_ms: charts.window_after_ms,
    };
    let drawing = match draw(
        prometheus,
        alerting,
        alert.generator_url,
        window,
        crate::now_ms(),
    )
    .await
    {
        Ok(drawing) => drawing,
        Err(failure) => return unavailable(failure),
    };
    eprintln!(
        "alertgraph: drew the chart of alert {alert_id}: {} series of {} ({} bytes)",
        drawing.series,
        drawing.promql,
        drawing.png.len()
    );
    let token = match store::save_chart(alert_id, &drawing.png, crate::now_ms()) {
        Ok(token) => token,
        Err(e) => {
            return unavailable(DrawFailure {
                reason: format!("cannot store the chart: {}", describe(&e)),
                transient: true,
            })
        }
    };
    match (charts.delivery, &charts.base_url) {
        (ChartDelivery::Url, Some(base)) => Charted {
            shown: Chart::Image {
                url: format!("{base}/api/chart/{token}.png"),
                alt: drawing.alt,
            },
            upload: None,
            transient: false,
            token: Some(token),
        },
        _ => Charted {
            shown: Chart::None,
            upload: Some((drawing, format!("alert-{alert_id}-{token}.png"))),
            transient: false,
            token: Some(token),
        },
    }
}

/// Enqueues a `chart-redraw` job for the alert; without one the message keeps its reason.
fn schedule_redraw(alert_id: i64) {
    let now = crate::now_ms();
    if let Err(e) = store::enqueue_chart_redraw(alert_id, now + REDRAW_AFTER_MS, now) {
        eprintln!(
            "alertgraph: cannot schedule a chart redraw for alert {alert_id}: {}",
            describe(&e)
        );
    }
}

/// A redraw that failed again for a passing cause: tried later with backoff.
fn retry_chart(reason: &str) -> Failure {
    Failure::Retry {
        after_ms: None,
        reason: format!("chart: {reason}"),
        maybe_posted: false,
    }
}

/// The Alertmanager a `silence` / `unsilence` job (`what`) needs: without one it cannot pass.
fn alertmanager_of<'a>(
    settings: &'a config::Slack,
    what: &str,
) -> Result<&'a crate::alertmanager::Alertmanager, Failure> {
    settings
        .alertmanager
        .as_ref()
        .ok_or_else(|| Failure::Permanent(format!("cannot {what}: ALERTMANAGER_URL is not set")))
}

/// The user of a `silence` / `unsilence` job (its payload).
#[derive(serde::Deserialize)]
struct Click {
    user_id: String,
    user_name: String,
    duration_ms: Option<i64>,
}

/// Silences the alert in Alertmanager for the clicking user, replacing its earlier silence,
/// then records it (which has the message redrawn).
async fn silence(settings: &config::Slack, job: &Job, stored: &StoredAlert) -> Result<(), Hold> {
    let alertmanager = alertmanager_of(settings, "silence")?;
    let click: Click = serde_json::from_str(job.payload.as_deref().unwrap_or_default())
        .map_err(|e| Failure::Permanent(format!("unreadable silence payload: {e}")))?;
    let length = click
        .duration_ms
        .ok_or_else(|| Failure::Permanent("silence payload without duration_ms".into()))?;
    if stored.alert.status == AlertStatus::Resolved {
        eprintln!(
            "alertgraph: alert {} resolved before its silence was made: none made",
            stored.id
        );
        return Ok(());
    }
    // Ends the comment, so a retry finds the silence an attempt made before it was recorded.
    let marker = format!("alertgraph job {}", job.id);
    let earlier = if job.attempt > 1 {
        alertmanager.find_silence(&marker).await?
    } else {
        None
    };
    let now = crate::now_ms();
    let id = match earlier {
        Some(id) => id,
        None => {
            let comment = format!(
                "Silenced from Slack by @{} for {} · {marker}",
                click.user_name,
                message::duration(length)
            );
            let spec = SilenceSpec {
                replaces: stored.silenced.as_ref().map(|s| s.id.as_str()),
                labels: &stored.alert.labels,
                starts_at_ms: now,
                ends_at_ms: now.saturating_add(length),
                created_by: &click.user_name,
                comment: &comment,
            };
            alertmanager.create_silence(&spec).await?
        }
    };
    let silence = AlertSilence {
        id,
        user_id: click.user_id,
        until: now.saturating_add(length),
    };
    store::set_alert_silence(stored.id, Some(&silence), now).map_err(retry)?;
    Ok(())
}

/// Expires the alert's silence in Alertmanager (one gone already is fine), then settles its
/// end.
async fn unsilence(settings: &config::Slack, stored: &StoredAlert) -> Result<(), Hold> {
    if let Some(silence) = &stored.silenced {
        let alertmanager = alertmanager_of(settings, "unsilence")?;
        alertmanager.expire_silence(&silence.id).await?;
        settle_silence_end(alertmanager, stored).await?;
    } else {
        store::set_alert_silence(stored.id, None, crate::now_ms()).map_err(retry)?;
    }
    Ok(())
}

/// A silence ended: Alertmanager sent nothing for the alert while it held, its resolve
/// included, so it is asked whether the alert still fires. If not, the resolve it muted is
/// recorded as a webhook would have been (resolved now: Alertmanager no longer says when).
/// Then the alert is recorded as unsilenced, which has its message redrawn.
async fn settle_silence_end(
    alertmanager: &crate::alertmanager::Alertmanager,
    stored: &StoredAlert,
) -> Result<(), Failure> {
    let now = crate::now_ms();
    let view = AlertView::of(&stored.alert);
    let firing = alertmanager
        .is_firing(view.alertname, &stored.alert.fingerprint, now)
        .await?;
    if !firing && stored.alert.status == AlertStatus::Firing {
        let mut alert = stored.alert.clone();
        alert.status = AlertStatus::Resolved;
        alert.ends_at = Some(now);
        let muted = store::Webhook {
            receiver: "alertgraph: a resolve Alertmanager muted".into(),
            status: AlertStatus::Resolved,
            group_key: String::new(),
            group_labels: Vec::new(),
            common_labels: Vec::new(),
            common_annotations: Vec::new(),
            external_url: String::new(),
            truncated_alerts: 0,
            alerts: vec![alert],
        };
        store::record_webhook(&muted, now, 0, config::group_limit()).map_err(retry)?;
        eprintln!(
            "alertgraph: alert {} resolved while silenced: recorded as resolved now",
            stored.id
        );
    }
    store::set_alert_silence(stored.id, None, now).map_err(retry)
}

/// Settles the silences that ran out since the last look (see [`settle_silence_end`]); one
/// that cannot be settled now stays listed for the next drain.
async fn settle_ended_silences(settings: &config::Slack, deadline: Instant) {
    let Some(alertmanager) = &settings.alertmanager else {
        return;
    };
    let ended = match store::ended_silences(crate::now_ms()) {
        Ok(ended) => ended,
        Err(e) => {
            eprintln!("alertgraph: cannot list ended silences: {}", describe(&e));
            return;
        }
    };
    for alert_id in ended {
        // The rest are listed again by the next drain.
        if Instant::now() >= deadline {
            return;
        }
        let settled = match store::get_alert(alert_id) {
            Ok(Some(stored)) => settle_silence_end(alertmanager, &stored).await,
            Ok(None) => Ok(()),
            Err(e) => Err(retry(e)),
        };
        if let Err(e) = settled {
            eprintln!("alertgraph: the ended silence of alert {alert_id} waits: {e:?}");
        }
    }
}

/// The alert ids of a `group-summary` job.
#[derive(serde::Deserialize)]
struct Summary {
    firing: Vec<i64>,
    resolved: Vec<i64>,
}

/// One summary message per channel the summarized alerts go to.
async fn deliver_summary(settings: &config::Slack, client: &Client, job: &Job) -> Result<(), Hold> {
    let payload = job.payload.as_deref().unwrap_or_default();
    let summary: Summary = serde_json::from_str(payload)
        .map_err(|e| Failure::Permanent(format!("unreadable summary payload: {e}")))?;
    let mut alerts = Vec::new();
    for (ids, firing) in [(&summary.firing, true), (&summary.resolved, false)] {
        for id in ids {
            // An alert deleted since is simply left out.
            if let Some(stored) = store::get_alert(*id).map_err(retry)? {
                alerts.push((stored.alert, firing));
            }
        }
    }
    let mut by_channel = std::collections::BTreeMap::<String, (Vec<_>, Vec<_>)>::new();
    for (alert, firing) in &alerts {
        let view = AlertView::of(alert);
        let Some(channel) = message::channel_for(
            view.labels,
            view.annotations,
            settings.default_channel.as_deref(),
        ) else {
            continue;
        };
        let entry = by_channel.entry(channel).or_default();
        if *firing {
            entry.0.push(view);
        } else {
            entry.1.push(view);
        }
    }
    for (channel, (firing, resolved)) in &by_channel {
        let body = message::group_summary(firing, resolved, channel);
        post(settings, client, &body, None).await?;
    }
    Ok(())
}

/// `chat.postMessage` in the channel's turn. For an alert's own message (`job`), taking the
/// turn also records the intent to post, in one write, right before the post.
async fn post(
    settings: &config::Slack,
    client: &Client,
    message: &message::Message,
    job: Option<&Job>,
) -> Result<Posted, Hold> {
    take_turn(settings, &message.channel, job)?;
    send(client, message).await
}

/// Defers the job when `channel` has no turn now; takes nothing.
fn wait_for_turn(channel: &str) -> Result<(), Hold> {
    deferred_until(store::next_channel_turn(channel, crate::now_ms()))
}

/// Takes `channel`'s send turn (marking `job` as posting there), or defers the job to it.
fn take_turn(settings: &config::Slack, channel: &str, job: Option<&Job>) -> Result<(), Hold> {
    let posting = job.map(|job| PostingJob {
        id: job.id,
        attempt: job.attempt,
    });
    deferred_until(store::take_channel_turn(
        channel,
        crate::now_ms(),
        settings.channel_interval_ms,
        posting,
    ))
}

/// A channel's next turn as the job's fate: none is now, some(t) defers the job to t.
fn deferred_until(turn: Result<Option<Timestamp>, StoreError>) -> Result<(), Hold> {
    match turn.map_err(retry)? {
        Some(next) => Err(Hold::Deferred(next)),
        None => Ok(()),
    }
}

/// `chat.postMessage` once the turn is taken; a rate limit pauses that channel only.
async fn send(client: &Client, message: &message::Message) -> Result<Posted, Hold> {
    let channel = message.channel.as_str();
    let result = client.post_message(message).await;
    if result.is_ok() {
        resume_delivery(channel);
    }
    if let Err(Failure::Retry {
        after_ms: Some(wait),
        ..
    }) = &result
    {
        let until = crate::now_ms().saturating_add(i64::try_from(*wait).unwrap_or(i64::MAX));
        if let Err(e) = store::pause_channel(channel, until) {
            eprintln!(
                "alertgraph: cannot pause channel {channel}: {}",
                describe(&e)
            );
        }
    }
    Ok(result?)
}

/// A store failure: nothing reached Slack in this step.
fn retry(e: StoreError) -> Failure {
    Failure::Retry {
        after_ms: None,
        reason: format!("store: {}", describe(&e)),
        maybe_posted: false,
    }
}

fn describe(e: &StoreError) -> String {
    crate::reply::describe(e)
}

#[cfg(test)]
mod tests {
    use super::settle::backoff_ms;
    use super::{wait_before_next, MAX_ATTEMPTS};
    use std::time::Duration;

    #[test]
    fn a_drainer_waits_only_for_a_job_due_soon_within_its_budget() {
        let s = Duration::from_secs;
        assert_eq!(wait_before_next(5_000, 4_000, s(14)), Some(Duration::ZERO));
        assert_eq!(wait_before_next(5_000, 5_000, s(14)), Some(Duration::ZERO));
        assert_eq!(
            wait_before_next(5_000, 6_500, s(14)),
            Some(Duration::from_millis(1_500))
        );
        assert_eq!(wait_before_next(5_000, 7_000, s(14)), Some(s(2)));
        assert_eq!(
            wait_before_next(5_000, 7_001, s(14)),
            None,
            "a retry's backoff"
        );
        assert_eq!(
            wait_before_next(5_000, 6_000, s(1)),
            None,
            "past the budget"
        );
        assert_eq!(wait_before_next(5_000, 5_000, Duration::ZERO), None);
    }

    #[test]
    fn backoff_doubles_up_to_a_minute_with_bounded_jitter() {
        for (attempt, base) in [
            (1, 2_000u64),
            (2, 4_000),
            (3, 8_000),
            (5, 32_000),
            (6, 60_000),
            (40, 60_000),
        ] {
            for now in [0i64, 1, 199, 200, 400, 123_456_789] {
                let got = backoff_ms(attempt, now);
                assert!(
                    got >= base * 8 / 10 && got <= base * 12 / 10,
                    "{attempt} {now}: {got}"
                );
            }
        }
    }

    #[test]
    fn a_failing_job_is_retried_for_about_a_day_before_it_is_dead_lettered() {
        let shortest: u64 = (1..MAX_ATTEMPTS).map(|a| backoff_ms(a, 0)).sum();
        let longest: u64 = (1..MAX_ATTEMPTS).map(|a| backoff_ms(a, 400)).sum();
        let hours = |ms: u64| ms as f64 / 3_600_000.0;
        assert!(hours(shortest) > 18.0, "{}", hours(shortest));
        assert!(hours(longest) < 30.0, "{}", hours(longest));
    }
}
