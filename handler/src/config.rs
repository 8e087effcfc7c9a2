//! Settings read from Spin variables.

use spin_sdk::variables;

use crate::alertmanager::Alertmanager;
use crate::chart::compare::Offset;
use crate::chart::prometheus::Prometheus;
use crate::slack::message::Controls;
use crate::store::Retention;

/// The webhook token, `None` when the variable is undefined or blank (the route is then open).
pub fn webhook_token() -> Result<Option<String>, variables::Error> {
    optional("webhook_token")
}

/// The token the periodic drain presents (`None`: the drain route refuses everyone).
pub fn drain_token() -> Result<Option<String>, variables::Error> {
    optional("drain_token")
}

/// The token `/api/history` and `/history` ask for (`None`: both refuse everyone).
pub fn history_token() -> Result<Option<String>, variables::Error> {
    optional("history_token")
}

/// Who takes outbox leases: the embedded host gives each process its own id; elsewhere all
/// replicas share "".
pub fn lease_owner() -> Result<String, variables::Error> {
    Ok(optional("lease_owner")?.unwrap_or_default())
}

/// The runtime's time limit for one request, when it says (the embedded host sets
/// `instance_time_limit_ms`); a drain fits its work and leases to it.
pub fn instance_time_limit() -> Option<std::time::Duration> {
    optional("instance_time_limit_ms")
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis)
}

/// How many new alerts of one webhook get a message each; the rest share a summary.
pub fn group_limit() -> u32 {
    optional("slack_group_limit")
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_GROUP_LIMIT)
}

const DEFAULT_GROUP_LIMIT: u32 = 10;

/// What delivering to Slack needs; `None` while no bot token is configured.
pub struct Slack {
    pub api_url: String,
    pub token: String,
    pub default_channel: Option<String>,
    pub explorer_url: Option<String>,
    /// At most one message per channel this often (Slack allows about one per second).
    pub channel_interval_ms: u32,
    /// The buttons firing messages get; `None` while Slack cannot reach us (no signing secret).
    pub controls: Option<Controls>,
    /// `ALLOW_BROADCAST_MENTIONS=true`: `slack_mention` may say `here` and `channel`.
    pub allow_broadcast_mentions: bool,
}

/// Where silences are made; `None` without ALERTMANAGER_URL (no silence buttons). Apart from
/// the Slack settings: a silence made before the bot token went still has to end.
pub fn alertmanager() -> Result<Option<Alertmanager>, variables::Error> {
    Ok(optional("alertmanager_url")?.map(|url| Alertmanager {
        url: url.trim_end_matches('/').to_owned(),
    }))
}

/// The secret Slack signs interaction requests with; `None`: interactivity is off.
pub fn signing_secret() -> Result<Option<String>, variables::Error> {
    optional("slack_signing_secret")
}

/// `SLACK_TEAM_ID`: the Slack workspaces (team ids, comma-separated) whose clicks count;
/// empty: any workspace whose request carries the app's signature.
pub fn slack_team_ids() -> Result<Vec<String>, variables::Error> {
    Ok(optional("slack_team_id")?
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default())
}

/// What alert messages show beyond the alert, posted or previewed on the history page.
pub struct MessageLook {
    pub explorer_url: Option<String>,
    /// The buttons firing messages get; `None` while Slack cannot reach us (no signing secret).
    pub controls: Option<Controls>,
}

pub fn message_look() -> Result<MessageLook, variables::Error> {
    let silences = alertmanager()?.is_some();
    Ok(MessageLook {
        explorer_url: optional("explorer_url")?,
        controls: signing_secret()?.map(|_| Controls { silences }),
    })
}

/// Whether messages are posted at all (a bot token is set), without reading the rest.
pub fn posting() -> Result<bool, variables::Error> {
    Ok(optional("slack_bot_token")?.is_some())
}

pub fn slack() -> Result<Option<Slack>, variables::Error> {
    let Some(token) = optional("slack_bot_token")? else {
        return Ok(None);
    };
    let look = message_look()?;
    Ok(Some(Slack {
        controls: look.controls,
        api_url: optional("slack_api_url")?.unwrap_or_else(|| DEFAULT_SLACK_API_URL.into()),
        token,
        default_channel: optional("slack_channel")?,
        explorer_url: look.explorer_url,
        channel_interval_ms: optional("slack_channel_interval_ms")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CHANNEL_INTERVAL_MS),
        allow_broadcast_mentions: switched_on(
            "allow_broadcast_mentions",
            optional("allow_broadcast_mentions")?,
        ),
    }))
}

/// `true` turns a switch on; unset or `false` leaves it off, as does any other value, logged
/// (the embedded host refuses those at start, Spin passes them through).
fn switched_on(name: &str, value: Option<String>) -> bool {
    match value.as_deref() {
        Some("true") => true,
        None | Some("false") => false,
        Some(other) => {
            eprintln!(
                "alertgraph: variable {name} is {other:?}, not true or false: taken as false"
            );
            false
        }
    }
}

const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";

/// BASE_URL without a trailing slash: where Slack (and the history page) fetch charts.
pub fn base_url() -> Result<Option<String>, variables::Error> {
    Ok(optional("base_url")?.map(|url| url.trim_end_matches('/').to_owned()))
}

/// How Slack gets the chart image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartDelivery {
    /// Slack fetches `base_url/api/chart/<token>.png`.
    Url,
    /// Uploaded to Slack and shown in the message by its file id (no public URL needed).
    Inline,
    /// Uploaded into the alert's thread.
    Upload,
}

/// What drawing charts needs; `prometheus` is `None` while no PROMETHEUS_URL is set (charts off).
pub struct Charts {
    pub prometheus: Option<Prometheus>,
    pub base_url: Option<String>,
    pub delivery: ChartDelivery,
    pub window_before_ms: i64,
    pub window_after_ms: i64,
}

/// `CHART_DELIVERY`, given `BASE_URL`.
pub fn chart_delivery(base_url: Option<&str>) -> Result<ChartDelivery, variables::Error> {
    Ok(match optional("chart_delivery")?.as_deref() {
        Some("upload") => ChartDelivery::Upload,
        Some("inline") => ChartDelivery::Inline,
        // Without a public URL Slack cannot fetch the image, so it is uploaded.
        _ if base_url.is_none() => ChartDelivery::Inline,
        _ => ChartDelivery::Url,
    })
}

pub fn charts() -> Result<Charts, variables::Error> {
    let base_url = base_url()?;
    let delivery = chart_delivery(base_url.as_deref())?;
    let prometheus = match optional("prometheus_url")? {
        Some(url) => {
            let (authorization, secrets) = prometheus_authorization()?;
            Some(Prometheus {
                url: url.trim_end_matches('/').to_owned(),
                authorization,
                secrets,
                compare: compare(optional("chart_compare")?),
            })
        }
        None => None,
    };
    let minutes = |value: Option<String>, default: i64| {
        value.and_then(|v| v.parse::<i64>().ok()).unwrap_or(default) * 60_000
    };
    Ok(Charts {
        prometheus,
        base_url,
        delivery,
        window_before_ms: minutes(optional("chart_window_before_minutes")?, 360),
        window_after_ms: minutes(optional("chart_window_after_minutes")?, 15),
    })
}

/// The `CHART_COMPARE` offset; a bad value turns the comparison off, logged (the embedded host
/// refuses it at start, Spin passes it through), and the chart is drawn without it.
fn compare(value: Option<String>) -> Option<Offset> {
    Offset::parse(&value?)
        .map_err(|reason| eprintln!("alertgraph: variable chart_compare: {reason}: no comparison"))
        .ok()
}

/// The `Authorization` header for a bearer token, else for `user:password` (basic auth),
/// else none; with every form of the secret it carries, so that none is ever quoted back.
fn prometheus_authorization() -> Result<(Option<String>, Vec<String>), variables::Error> {
    if let Some(token) = optional("prometheus_token")? {
        return Ok((Some(format!("Bearer {token}")), vec![token]));
    }
    Ok(match optional("prometheus_basic_auth")? {
        Some(pair) => {
            let encoded = base64(pair.as_bytes());
            let mut secrets = vec![encoded.clone(), pair.clone()];
            secrets.extend(
                pair.split_once(':')
                    .map(|(_, password)| password.to_owned()),
            );
            (Some(format!("Basic {encoded}")), secrets)
        }
        None => (None, Vec::new()),
    })
}

/// Standard base64 with padding, for the basic-auth header.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
const DEFAULT_CHANNEL_INTERVAL_MS: u32 = 1_000;

/// How long the store keeps resolved alerts and charts (`history_retention`,
/// `chart_retention`: durations such as `90d`, `12h`, `10m`); a bad value names its variable.
pub fn retention() -> Result<Retention, String> {
    Ok(Retention {
        history_ms: duration("history_retention", optional("history_retention"), "90d")?,
        charts_ms: duration("chart_retention", optional("chart_retention"), "30d")?,
    })
}

fn duration(
    name: &str,
    read: Result<Option<String>, variables::Error>,
    default: &str,
) -> Result<i64, String> {
    let value = read.map_err(|e| format!("cannot read variable {name}: {e}"))?;
    crate::retention::duration_ms(value.as_deref().unwrap_or(default))
        .map_err(|reason| format!("{name}: {reason}"))
}

fn optional(name: &str) -> Result<Option<String>, variables::Error> {
    token(variables::get(name))
}

/// Trimmed, as Prometheus trims a `credentials_file`: a secret file's trailing newline is no
/// part of a value.
fn token(read: Result<String, variables::Error>) -> Result<Option<String>, variables::Error> {
    match read {
        Ok(value) => {
            let trimmed = value.trim();
            Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
        }
        Err(variables::Error::Undefined(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::{base64, compare, switched_on, token};
    use crate::chart::compare::Offset;
    use spin_sdk::variables::Error;

    #[test]
    fn basic_auth_is_base64_with_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"user:p\xc3\xa4ss"), "dXNlcjpww6Rzcw==");
    }

    #[test]
    fn undefined_or_blank_means_unset() {
        let undefined = Err(Error::Undefined("no such variable".into()));
        assert!(matches!(token(undefined), Ok(None)));
        assert!(matches!(token(Ok(String::new())), Ok(None)));
        assert!(matches!(token(Ok(" \n".into())), Ok(None)));
        assert!(matches!(token(Ok("tok\n".into())), Ok(Some(t)) if t == "tok"));
    }

    #[test]
    fn only_true_turns_a_switch_on() {
        assert!(switched_on("x", Some("true".into())));
        for off in [None, Some("false"), Some("yes"), Some("TRUE")] {
            assert!(!switched_on("x", off.map(str::to_owned)), "{off:?}");
        }
    }

    #[test]
    fn a_bad_comparison_offset_turns_the_comparison_off() {
        assert_eq!(compare(Some("1w".into())), Some(Offset::Weeks(1)));
        assert_eq!(compare(None), None);
        assert_eq!(compare(Some("1 week".into())), None);
    }

    #[test]
    fn other_failures_are_not_taken_for_unset() {
        let failed = Err(Error::Provider("vault down".into()));
        assert!(matches!(token(failed), Err(Error::Provider(_))));
    }
}
