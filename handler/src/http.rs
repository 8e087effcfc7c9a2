//! The I/O edge: Spin's entry point reads the request, calls the store once, and sends the
//! reply through the outparam, so work can go on after the client has its answer.

use crate::{alerts, charts, chat_state, metrics, outbox};
use std::time::{Duration, Instant};

use futures::StreamExt;
use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};

use crate::body_limit::{self, Collector};
use crate::refusal::Refusal;
use crate::reply::{self, Reply};
use crate::retention;
use crate::routes::{self, Resolved, Route};
use crate::slack::interaction::{self, BadInteraction, Interaction};
use crate::slack::signature;
use crate::store::ActionOutcome;
use crate::{
    auth, busy, config, delivery, history, metrics_text, now_ms, outbox_retry, store, webhook,
};

/// How long a webhook waits for a busy database before it is answered 503 (Alertmanager's
/// webhook timeout is 10 s).
const WEBHOOK_PATIENCE: Duration = Duration::from_secs(3);

const INDEX: &str = concat!(
    "alertgraph ",
    env!("CARGO_PKG_VERSION"),
    ": turns Alertmanager webhooks (POST /api/alerts) into Slack messages with charts",
);

// Exported on wasm only: a native cdylib cannot carry WIT export names (native builds are
// for unit tests, which need everything here to type-check but not to be exported).
#[cfg_attr(target_arch = "wasm32", spin_sdk::http_component)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
async fn handle(req: IncomingRequest, out: ResponseOutparam) {
    let started = Instant::now();
    let (reply, after) = answer(req, started).await;
    let accepted = reply.status < 300;
    send(out, reply).await;
    // The client has its answer: now the work that must not delay it.
    if accepted && after == AfterReply::Drain {
        drain().await;
    }
}

/// What the instance does after answering.
#[derive(PartialEq)]
enum AfterReply {
    Nothing,
    Drain,
}

async fn answer(req: IncomingRequest, started: Instant) -> (Reply, AfterReply) {
    let method = req.method().to_string();
    let target = req.path_with_query();
    let path = routes::path_of(target.as_deref());
    let reply = match routes::resolve(&method, path) {
        Resolved::Found(Route::Index) => Reply::text(200, INDEX),
        // Liveness only: no store call, so a stuck database does not get the instance killed.
        Resolved::Found(Route::Healthz) => Reply::text(200, "ok"),
        Resolved::Found(Route::Metrics) => metrics(),
        Resolved::Found(Route::Alerts) => return (alerts(req, started).await, AfterReply::Drain),
        Resolved::Found(Route::Drain) => return (drain_request(&req), AfterReply::Drain),
        Resolved::Found(Route::OutboxRetry) => return retry_request(&req, target.as_deref()),
        Resolved::Found(Route::Interactions) => return interactions(req).await,
        Resolved::Found(Route::HistoryApi) => history(&req, target.as_deref(), false),
        Resolved::Found(Route::HistoryPage) => history(&req, target.as_deref(), true),
        Resolved::Found(Route::Chart) => {
            let token = routes::chart_token(path).unwrap_or_default();
            let chart = reply::chart(charts::fetch_chart(token));
            if method == "HEAD" {
                chart.without_body()
            } else {
                chart
            }
        }
        Resolved::WrongMethod {
            route: Route::Alerts,
            allow,
        } => refuse(Refusal::WrongMethod { method, allow }, started),
        Resolved::WrongMethod { allow, .. } => reply::wrong_method(&method, path, allow),
        Resolved::NotFound => Reply::text(404, &format!("not found: {path}")),
    };
    (reply, AfterReply::Nothing)
}

/// `POST /api/outbox/drain`: the host's timer (or a CronJob under Spin) asks for a drain.
fn drain_request(req: &IncomingRequest) -> Reply {
    match drain_auth(req) {
        Ok(()) => Reply::text(202, "draining"),
        Err(refused) => refused,
    }
}

/// The outbox routes take the drain token (Bearer).
fn drain_auth(req: &IncomingRequest) -> Result<(), Reply> {
    let token = match config::drain_token() {
        Ok(Some(token)) => token,
        Ok(None) => {
            return Err(Reply::text(
                401,
                "the outbox routes are disabled (no drain_token)",
            ))
        }
        Err(e) => {
            return Err(Reply::text(
                500,
                &format!("cannot read variable drain_token: {e}"),
            ))
        }
    };
    auth::check(Some(&token), header(req, "authorization").as_deref()).map_err(|denied| {
        Reply::text(401, &format!("unauthorized: {denied}"))
            .header("www-authenticate", "Bearer realm=\"alertgraph\"")
    })
}

/// `POST /api/outbox/retry[?id=<job id>]`: dead jobs (that one, or all) are sent again at
/// once; answers with the ids requeued.
fn retry_request(req: &IncomingRequest, target: Option<&str>) -> (Reply, AfterReply) {
    if let Err(refused) = drain_auth(req) {
        return (refused, AfterReply::Nothing);
    }
    let query = target
        .and_then(|t| t.split_once('?'))
        .map_or("", |(_, q)| q);
    let id = match outbox_retry::parse_query(query) {
        Ok(id) => id,
        Err(bad) => {
            return (
                Reply::text(400, &format!("bad query: {bad}")),
                AfterReply::Nothing,
            )
        }
    };
    match outbox::retry_dead_jobs(id, now_ms()) {
        Ok(ids) if ids.is_empty() && id.is_some() => {
            let id = id.unwrap_or_default();
            (
                Reply::text(404, &format!("no dead outbox job {id}")),
                AfterReply::Nothing,
            )
        }
        Ok(ids) => {
            eprintln!("alertgraph: requeued dead outbox jobs on request: {ids:?}");
            let after = if ids.is_empty() {
                AfterReply::Nothing
            } else {
                AfterReply::Drain
            };
            (
                Reply::new(200, "application/json", outbox_retry::json(&ids)),
                after,
            )
        }
        Err(e) => (
            reply::store_failure("outbox retry", &e),
            AfterReply::Nothing,
        ),
    }
}

/// Delivers due outbox jobs when Slack is configured (without a token they wait, but silences
/// that ran out are still followed up), then sweeps what retention lets go.
async fn drain() {
    match config::slack() {
        Ok(slack) => delivery::drain(slack).await,
        Err(e) => eprintln!("alertgraph: cannot read the Slack settings: {e}"),
    }
    retention::sweep();
}

/// `GET /api/history` (JSON) or `/history` (the page): the history token (Bearer, or Basic
/// with any user name, which browsers ask for), the query, then one store call.
fn history(req: &IncomingRequest, target: Option<&str>, page: bool) -> Reply {
    let token = match config::history_token() {
        Ok(Some(token)) => token,
        Ok(None) => return Reply::text(401, "the history is disabled (no HISTORY_TOKEN)"),
        Err(e) => return Reply::text(500, &format!("cannot read variable history_token: {e}")),
    };
    if let Err(denied) = auth::check(Some(&token), header(req, "authorization").as_deref()) {
        return Reply::text(401, &format!("unauthorized: {denied}"))
            .header("www-authenticate", r#"Basic realm="alertgraph history""#);
    }
    let query = target
        .and_then(|t| t.split_once('?'))
        .map_or("", |(_, q)| q);
    let request = match history::parse_query(query) {
        Ok(request) => request,
        Err(bad) => return Reply::text(400, &format!("bad query: {bad}")),
    };
    let base_url = match config::base_url() {
        Ok(base_url) => base_url,
        Err(e) => return Reply::text(500, &format!("cannot read variable base_url: {e}")),
    };
    let now = now_ms();
    let found = match alerts::list_history(&request.filter, now) {
        Ok(found) => found,
        Err(e) => {
            return Reply::text(
                503,
                &format!("history unavailable: {}", reply::describe(&e)),
            )
        }
    };
    if page {
        let delivery = config::chart_delivery(base_url.as_deref());
        let preview = match (config::posting(), config::message_look(), delivery) {
            (Ok(posting), Ok(look), Ok(chart_delivery)) => history::page::Preview {
                posting,
                look,
                chart_delivery,
            },
            (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => {
                return Reply::text(500, &format!("cannot read the Slack settings: {e}"))
            }
        };
        let html = history::page::html(&found, &request, base_url.as_deref(), now, &preview);
        Reply::new(200, "text/html; charset=utf-8", html)
            .header("cache-control", "no-store")
            .header(
                "content-security-policy",
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' http: https:; form-action 'self'",
            )
    } else {
        let json = history::json(&found, &request, base_url.as_deref(), now);
        Reply::new(200, "application/json", json).header("cache-control", "no-store")
    }
}

fn metrics() -> Reply {
    match metrics::metrics(now_ms()) {
        Ok(m) => Reply::new(200, metrics_text::CONTENT_TYPE, metrics_text::render(&m)),
        Err(e) => Reply::text(
            503,
            &format!("metrics unavailable: {}", reply::describe(&e)),
        ),
    }
}

/// The webhook: auth, size, parse, then one store call; 2xx only after the commit.
async fn alerts(req: IncomingRequest, started: Instant) -> Reply {
    let token = match config::webhook_token() {
        Ok(token) => token,
        Err(e) => return Reply::text(500, &format!("cannot read variable webhook_token: {e}")),
    };
    if token.is_none() {
        warn_open_webhook();
    }
    match intake(req, token.as_deref()).await {
        Ok(hook) => {
            // A busy or loaded database server is waited out briefly: Alertmanager's own
            // retry of a 503 would hold the alert back for its whole backoff.
            let group_limit = config::group_limit();
            let recorded = busy::while_busy(started + WEBHOOK_PATIENCE, || {
                alerts::record_webhook(&hook, now_ms(), elapsed_ns(started), group_limit)
            });
            match recorded {
                Ok(recorded) => reply::recorded(&recorded),
                Err(e) => reply::store_failure("webhook", &e),
            }
        }
        Err(refusal) => refuse(refusal, started),
    }
}

/// Says, once an hour across instances, what the embedded host says at start-up: Spin has no
/// start-up of ours to say it at.
fn warn_open_webhook() {
    const EVERY_MS: u32 = 3_600_000;
    match metrics::notice_due("open-webhook", EVERY_MS, now_ms()) {
        Ok(true) => eprintln!(
            "alertgraph: WARNING: webhook_token is not set: POST /api/alerts takes webhooks from \
             anyone who can reach it (set WEBHOOK_TOKEN, or the webhook_token variable)"
        ),
        Ok(false) => {}
        Err(e) => eprintln!(
            "alertgraph: cannot check the open-webhook notice: {}",
            reply::describe(&e)
        ),
    }
}

/// In this order, so an unauthenticated or oversized request never has its body parsed.
async fn intake(req: IncomingRequest, token: Option<&str>) -> Result<store::Webhook, Refusal> {
    auth::check(token, header(&req, "authorization").as_deref())?;
    Ok(webhook::parse(&read_body(req).await?)?)
}

/// The request body, refused past [`body_limit::MAX_BODY_BYTES`].
async fn read_body(req: IncomingRequest) -> Result<Vec<u8>, Refusal> {
    let declared = body_limit::declared_length(header(&req, "content-length").as_deref());
    let mut body = Collector::new(body_limit::MAX_BODY_BYTES, declared)?;
    let mut stream = req.into_body_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Refusal::Unreadable(e.to_debug_string()))?;
        body.push(&chunk)?;
    }
    Ok(body.into_bytes())
}

/// `POST /api/slack/interactions`: a button clicked in Slack. Signed, fresh and never seen
/// before, or refused with 401 and nothing changed; the work follows the answer (Slack wants
/// one within 3 s).
async fn interactions(req: IncomingRequest) -> (Reply, AfterReply) {
    // `counted`: the reason in /metrics, unless the store counted the request already.
    let refused = |status, counted: Option<&str>, reason: &str| {
        eprintln!("alertgraph: refused a Slack interaction: {reason}");
        if let Some(counted) = counted {
            if let Err(e) = chat_state::record_action_refusal(counted) {
                eprintln!(
                    "could not count a refused Slack request ({counted}): {}",
                    reply::describe(&e)
                );
            }
        }
        (Reply::text(status, reason), AfterReply::Nothing)
    };
    let secret = match config::signing_secret() {
        Ok(Some(secret)) => secret,
        Ok(None) => {
            return refused(
                401,
                Some("disabled"),
                "Slack interactivity is off (no SLACK_SIGNING_SECRET)",
            )
        }
        Err(e) => {
            return refused(
                500,
                None,
                &format!("cannot read variable slack_signing_secret: {e}"),
            )
        }
    };
    let timestamp = header(&req, "x-slack-request-timestamp");
    let signature = header(&req, "x-slack-signature");
    let body = match read_body(req).await {
        Ok(body) => body,
        Err(refusal) => {
            let reply = refusal.reply();
            let line = String::from_utf8_lossy(&reply.body).trim_end().to_owned();
            return refused(reply.status, Some(refusal.reason()), &line);
        }
    };
    let now = now_ms();
    let verified = signature::verify(
        &secret,
        timestamp.as_deref(),
        signature.as_deref(),
        &body,
        now.div_euclid(1000),
    );
    if let Err(denied) = verified {
        return refused(
            401,
            Some(denied.reason()),
            &format!("unauthorized: {denied}"),
        );
    }
    let teams = match config::slack_team_ids() {
        Ok(teams) => teams,
        Err(e) => {
            return refused(
                500,
                None,
                &format!("cannot read variable slack_team_id: {e}"),
            )
        }
    };
    let action = match interaction::parse(&body, &teams) {
        Ok(Interaction::Action(action)) => action,
        Ok(Interaction::Ignored) => return (Reply::text(200, ""), AfterReply::Nothing),
        Err(foreign @ BadInteraction::ForeignTeam(_)) => {
            return refused(403, Some("foreign_team"), &format!("forbidden: {foreign}"))
        }
        Err(bad) => return refused(400, Some("bad_payload"), &format!("bad interaction: {bad}")),
    };
    let signature = String::from_utf8_lossy(&signature.unwrap_or_default()).into_owned();
    match chat_state::record_action(&action, &signature, now) {
        Ok(ActionOutcome::Recorded) => (Reply::text(200, ""), AfterReply::Drain),
        Ok(ActionOutcome::Replayed) => refused(401, None, "unauthorized: replayed request"),
        Ok(ActionOutcome::UnknownAlert) => refused(
            404,
            None,
            &format!("no alert {} to act on", action.alert_id),
        ),
        Err(e) => (reply::store_failure("click", &e), AfterReply::Nothing),
    }
}

/// Counts the refusal, then answers it; the 4xx stands even if counting fails.
fn refuse(refusal: Refusal, started: Instant) -> Reply {
    if let Err(e) = metrics::record_rejection(refusal.reason(), elapsed_ns(started)) {
        eprintln!(
            "could not count a refused webhook ({}): {}",
            refusal.reason(),
            reply::describe(&e)
        );
    }
    refusal.reply()
}

/// The first value of a request header.
fn header(req: &IncomingRequest, name: &str) -> Option<Vec<u8>> {
    req.headers().get(name).into_iter().next()
}

async fn send(out: ResponseOutparam, reply: Reply) {
    let mut headers: Vec<(String, Vec<u8>)> = reply
        .headers
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.into_bytes()))
        .collect();
    if !headers.iter().any(|(name, _)| name == "content-length") {
        headers.push((
            "content-length".into(),
            reply.body.len().to_string().into_bytes(),
        ));
    }
    let fields = Fields::from_list(&headers).unwrap_or_else(|e| {
        eprintln!("response headers refused by the host: {e:?}");
        Fields::new()
    });
    let response = OutgoingResponse::new(fields);
    if response.set_status_code(reply.status).is_err() {
        eprintln!("status {} refused by the host", reply.status);
    }
    if let Err(e) = out.set_with_body(response, reply.body).await {
        eprintln!("could not send the response: {e:?}");
    }
}

fn elapsed_ns(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
