//! Settings read from Spin variables.

use spin_sdk::variables;

/// The webhook token, `None` when the variable is undefined or blank (the route is then open).
pub fn webhook_token() -> Result<Option<String>, variables::Error> {
    optional("webhook_token")
}

/// The token the periodic drain presents (`None`: the drain route refuses everyone).
pub fn drain_token() -> Result<Option<String>, variables::Error> {
    optional("drain_token")
}

/// Who takes outbox leases: the embedded host gives each process its own id; elsewhere all
/// replicas share "".
pub fn lease_owner() -> Result<String, variables::Error> {
    Ok(optional("lease_owner")?.unwrap_or_default())
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
}

pub fn slack() -> Result<Option<Slack>, variables::Error> {
    let Some(token) = optional("slack_bot_token")? else {
        return Ok(None);
    };
    Ok(Some(Slack {
        api_url: optional("slack_api_url")?.unwrap_or_else(|| DEFAULT_SLACK_API_URL.into()),
        token,
        default_channel: optional("slack_channel")?,
        explorer_url: optional("explorer_url")?,
        channel_interval_ms: optional("slack_channel_interval_ms")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CHANNEL_INTERVAL_MS),
    }))
}

const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";
const DEFAULT_CHANNEL_INTERVAL_MS: u32 = 1_000;

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
    use super::token;
    use spin_sdk::variables::Error;

    #[test]
    fn undefined_or_blank_means_unset() {
        let undefined = Err(Error::Undefined("no such variable".into()));
        assert!(matches!(token(undefined), Ok(None)));
        assert!(matches!(token(Ok(String::new())), Ok(None)));
        assert!(matches!(token(Ok(" \n".into())), Ok(None)));
        assert!(matches!(token(Ok("tok\n".into())), Ok(Some(t)) if t == "tok"));
    }

    #[test]
    fn other_failures_are_not_taken_for_unset() {
        let failed = Err(Error::Provider("vault down".into()));
        assert!(matches!(token(failed), Err(Error::Provider(_))));
    }
}
