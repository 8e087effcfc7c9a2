//! Settings from the environment (the seed's names plus ours), checked once at start-up:
//! a missing or invalid value stops the process with an error that names the variable.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the store's SQL runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Storage {
    /// A SQLite file of this process.
    File(Database),
    /// A libSQL server (sqld, Turso) that several replicas share.
    Server(LibsqlServer),
}

/// The file's path or the server's URL, for log lines.
impl fmt::Display for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Storage::File(database) => write!(f, "{}", database.path.display()),
            Storage::Server(server) => f.write_str(&server.url),
        }
    }
}

/// `DB_CONNECTION_STRING=http://…`, `https://…` or `libsql://…` and `LIBSQL_AUTH_TOKEN`.
#[derive(Clone, PartialEq)]
pub struct LibsqlServer {
    pub url: String,
    pub auth_token: String,
}

/// Redacts the token: `Config` may end up in a log line.
impl fmt::Debug for LibsqlServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LibsqlServer")
            .field("url", &self.url)
            .field("auth_token", &"<redacted>")
            .finish()
    }
}

/// Where the SQLite database lives and how it may be opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    pub path: PathBuf,
    pub mode: OpenMode,
    /// When a commit reaches the disk (`SQLITE_SYNCHRONOUS`).
    pub synchronous: Synchronous,
}

/// SQLite's `synchronous` in WAL mode: what an acknowledged webhook survives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Synchronous {
    /// Every commit is fsynced: it survives a power loss or kernel crash.
    Full,
    /// Commits are fsynced at checkpoints only: a process crash loses nothing, a power loss
    /// can lose the last commits.
    Normal,
}

impl Synchronous {
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// `mode=` of the seed's `sqlite://…?mode=rwc` connection string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OpenMode {
    ReadOnly,
    ReadWrite,
    ReadWriteCreate,
}

#[derive(Clone)]
pub struct Config {
    pub listen_host: IpAddr,
    pub port: u16,
    pub storage: Storage,
    pub log_json: bool,
    /// Spin variables (lower-case names) handed to the components.
    pub variables: BTreeMap<&'static str, String>,
    /// Origins (scheme://host:port) the components may call.
    pub allowed_outbound: Vec<String>,
    pub instance_memory_bytes: usize,
    pub request_timeout: Duration,
    pub max_concurrent_requests: u32,
    /// How often the host drains the outbox by itself.
    pub drain_every: Duration,
    /// A component file to run instead of the embedded one (COMPONENT_PATH), e.g. the
    /// SpinKube artifact.
    pub component: Option<PathBuf>,
    /// Where compiled components are kept between starts (`STORAGE_DIR/cache`).
    pub cache_dir: PathBuf,
}

/// Redacts secrets: `Config` may end up in a log line.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variables: BTreeMap<_, _> = self
            .variables
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    if is_secret(k) {
                        "<redacted>"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("Config")
            .field("listen_host", &self.listen_host)
            .field("port", &self.port)
            .field("storage", &self.storage)
            .field("log_json", &self.log_json)
            .field("variables", &variables)
            .field("allowed_outbound", &self.allowed_outbound)
            .field("instance_memory_bytes", &self.instance_memory_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("drain_every", &self.drain_every)
            .field("component", &self.component)
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

/// A setting that stops start-up: names the variable and says what is wrong.
#[derive(Debug, PartialEq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid setting {}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// Seed env var → Spin variable, and whether the value is a URL whose origin the
/// components may call.
const VARIABLES: [(&str, &str, Kind); 24] = [
    ("BASE_URL", "base_url", Kind::Url),
    ("EXPLORER_URL", "explorer_url", Kind::Url),
    ("SLACK_CHANNEL", "slack_channel", Kind::Text),
    ("SLACK_BOT_TOKEN", "slack_bot_token", Kind::Secret),
    ("SLACK_API_URL", "slack_api_url", Kind::OutboundUrl),
    ("SLACK_SIGNING_SECRET", "slack_signing_secret", Kind::Secret),
    ("SLACK_TEAM_ID", "slack_team_id", Kind::Text),
    (
        "ALLOW_BROADCAST_MENTIONS",
        "allow_broadcast_mentions",
        Kind::OneOf(&["true", "false"]),
    ),
    ("PROMETHEUS_URL", "prometheus_url", Kind::OutboundUrl),
    ("PROMETHEUS_TOKEN", "prometheus_token", Kind::Secret),
    (
        "PROMETHEUS_BASIC_AUTH",
        "prometheus_basic_auth",
        Kind::Secret,
    ),
    ("ALERTMANAGER_URL", "alertmanager_url", Kind::OutboundUrl),
    ("RENDERER_URL", "renderer_url", Kind::OutboundUrl),
    ("WEBHOOK_TOKEN", "webhook_token", Kind::Secret),
    ("DRAIN_TOKEN", "drain_token", Kind::Secret),
    ("HISTORY_TOKEN", "history_token", Kind::Secret),
    (
        "SLACK_CHANNEL_INTERVAL_MS",
        "slack_channel_interval_ms",
        Kind::Number(60_000),
    ),
    (
        "SLACK_GROUP_LIMIT",
        "slack_group_limit",
        Kind::Number(1_000),
    ),
    (
        "CHART_WINDOW_BEFORE_MINUTES",
        "chart_window_before_minutes",
        Kind::Number(7 * 24 * 60),
    ),
    (
        "CHART_WINDOW_AFTER_MINUTES",
        "chart_window_after_minutes",
        Kind::Number(24 * 60),
    ),
    (
        "CHART_DELIVERY",
        "chart_delivery",
        Kind::OneOf(&["inline", "url", "upload"]),
    ),
    (
        "CHART_COMPARE",
        "chart_compare",
        Kind::OneOf(&["1d", "1w", "2w", "3w", "4w", "5w"]),
    ),
    ("HISTORY_RETENTION", "history_retention", Kind::Retention),
    ("CHART_RETENTION", "chart_retention", Kind::Retention),
];

const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";
/// What the shipped Kubernetes Secrets hold until someone replaces it.
const PLACEHOLDER_SECRET: &str = "change-me";
/// Tokens that people choose (Slack's own are long): shorter ones are guessable.
const CHOSEN_TOKENS: [(&str, &str); 3] = [
    ("WEBHOOK_TOKEN", "webhook_token"),
    ("DRAIN_TOKEN", "drain_token"),
    ("HISTORY_TOKEN", "history_token"),
];
const SHORTEST_GOOD_TOKEN: usize = 16;
/// Slack's Web API hands out file upload URLs on this origin.
const SLACK_ORIGIN: &str = "https://slack.com:443";
const SLACK_FILES_ORIGIN: &str = "https://files.slack.com:443";

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Secret,
    Url,
    OutboundUrl,
    OneOf(&'static [&'static str]),
    /// A whole number up to the given maximum.
    Number(u32),
    /// How long to keep something: a whole number and a unit, one minute to ten years.
    Retention,
}

pub fn is_secret(variable: &str) -> bool {
    VARIABLES
        .iter()
        .any(|(_, name, kind)| *name == variable && matches!(kind, Kind::Secret))
}

impl Config {
    /// The chosen tokens that are set but shorter than 16 characters, for a warning at start.
    pub fn short_tokens(&self) -> Vec<&'static str> {
        CHOSEN_TOKENS
            .iter()
            .filter(|(_, name)| {
                self.variables
                    .get(name)
                    .is_some_and(|v| v.chars().count() < SHORTEST_GOOD_TOKEN)
            })
            .map(|(env, _)| *env)
            .collect()
    }

    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get` (the environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        // An empty value counts as unset, as in the seed's Kubernetes manifests.
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());

        let listen_host = match get("LISTEN_HOST") {
            None => IpAddr::from([0, 0, 0, 0]),
            Some(v) => v.trim().parse().map_err(|_| ConfigError {
                variable: "LISTEN_HOST",
                reason: format!("{v:?} is not an IP address"),
            })?,
        };
        let port = parse_number(&get, "PORT", 3031u16)?;

        let mut variables = BTreeMap::new();
        let mut allowed_outbound = Vec::new();
        for (env, name, kind) in VARIABLES {
            let value = match (get(env), env) {
                (Some(v), _) => v.trim().to_string(),
                (None, "SLACK_API_URL") => DEFAULT_SLACK_API_URL.to_string(),
                (None, _) => continue,
            };
            match kind {
                Kind::Text => {}
                Kind::Secret if value == PLACEHOLDER_SECRET => {
                    return Err(ConfigError {
                        variable: env,
                        reason: format!(
                            "is still the shipped manifests' placeholder {PLACEHOLDER_SECRET:?}: \
                             set the real secret"
                        ),
                    });
                }
                Kind::Secret => {}
                Kind::Url => {
                    origin_of(&value).map_err(|reason| ConfigError {
                        variable: env,
                        reason,
                    })?;
                }
                Kind::OutboundUrl => {
                    let origin = origin_of(&value).map_err(|reason| ConfigError {
                        variable: env,
                        reason,
                    })?;
                    if !allowed_outbound.contains(&origin) {
                        allowed_outbound.push(origin);
                    }
                }
                Kind::Number(max) => {
                    if !value.parse::<u32>().is_ok_and(|n| n <= max) {
                        return Err(ConfigError {
                            variable: env,
                            reason: format!("{value:?} is not a whole number up to {max}"),
                        });
                    }
                }
                Kind::Retention => {
                    if !is_retention(&value) {
                        return Err(ConfigError {
                            variable: env,
                            reason: format!(
                                "{value:?} is not a duration from one minute to ten years: a \
                                 whole number and a unit (s, m, h, d, w), e.g. 90d"
                            ),
                        });
                    }
                }
                Kind::OneOf(choices) => {
                    if !choices.contains(&value.as_str()) {
                        return Err(ConfigError {
                            variable: env,
                            reason: format!("{value:?} is not one of {}", choices.join(", ")),
                        });
                    }
                }
            }
            variables.insert(name, value);
        }

        if allowed_outbound.iter().any(|o| o == SLACK_ORIGIN) {
            allowed_outbound.push(SLACK_FILES_ORIGIN.to_string());
        }

        let storage_dir = PathBuf::from(get("STORAGE_DIR").unwrap_or_else(|| "./data".into()));
        let synchronous = match get("SQLITE_SYNCHRONOUS").as_deref().map(str::trim) {
            None => Synchronous::Full,
            Some(v) if v.eq_ignore_ascii_case("full") => Synchronous::Full,
            Some(v) if v.eq_ignore_ascii_case("normal") => Synchronous::Normal,
            Some(v) => {
                return Err(ConfigError {
                    variable: "SQLITE_SYNCHRONOUS",
                    reason: format!("{v:?} is not one of full, normal"),
                })
            }
        };
        let auth_token = get("LIBSQL_AUTH_TOKEN");
        let storage =
            match get("DB_CONNECTION_STRING") {
                Some(v) => parse_connection_string(&v, synchronous, auth_token.clone()).map_err(
                    |reason| ConfigError {
                        variable: "DB_CONNECTION_STRING",
                        reason,
                    },
                )?,
                None => Storage::File(Database {
                    path: storage_dir.join("alertgraph.db"),
                    mode: OpenMode::ReadWriteCreate,
                    synchronous,
                }),
            };
        if auth_token.is_some() && !matches!(storage, Storage::Server(_)) {
            return Err(ConfigError {
                variable: "LIBSQL_AUTH_TOKEN",
                reason: "is set, but DB_CONNECTION_STRING names no libSQL server (http://, \
                         https:// or libsql://)"
                    .into(),
            });
        }

        let log_json = match get("LOG_JSON").as_deref().map(str::trim) {
            None => false,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(v) => {
                return Err(ConfigError {
                    variable: "LOG_JSON",
                    reason: format!("{v:?} is not true or false"),
                })
            }
        };

        // The host's own drains need the token; without one set, a fresh one per process.
        variables.entry("drain_token").or_insert_with(random_token);
        // Outbox leases of an earlier process (one that crashed) are not waited for.
        variables.insert("lease_owner", random_token());

        let memory_mb: usize = parse_number(&get, "INSTANCE_MEMORY_MB", 64)?;
        let timeout_secs: u64 = parse_number(&get, "REQUEST_TIMEOUT_SECS", 30)?;
        let max_concurrent_requests: u32 = parse_number(&get, "MAX_CONCURRENT_REQUESTS", 128)?;
        let drain_secs: u64 = parse_number(&get, "DRAIN_INTERVAL_SECS", 5)?;
        for (variable, value, min, max) in [
            ("DRAIN_INTERVAL_SECS", drain_secs, 1, 3600),
            ("INSTANCE_MEMORY_MB", memory_mb as u64, 8, 4096),
            ("REQUEST_TIMEOUT_SECS", timeout_secs, 1, 3600),
            (
                "MAX_CONCURRENT_REQUESTS",
                max_concurrent_requests as u64,
                1,
                4096,
            ),
        ] {
            if !(min..=max).contains(&value) {
                return Err(ConfigError {
                    variable,
                    reason: format!("{value} is outside {min}..={max}"),
                });
            }
        }
        // A drain fits its work and its outbox leases to the instance's time limit.
        variables.insert("instance_time_limit_ms", (timeout_secs * 1000).to_string());

        Ok(Config {
            listen_host,
            port,
            storage,
            log_json,
            variables,
            allowed_outbound,
            instance_memory_bytes: memory_mb << 20,
            request_timeout: Duration::from_secs(timeout_secs),
            max_concurrent_requests,
            drain_every: Duration::from_secs(drain_secs),
            component: get("COMPONENT_PATH").map(PathBuf::from),
            cache_dir: storage_dir.join("cache"),
        })
    }
}

/// `90d`, `12h`, `10m`…: what the component's retention setting takes (checked there too).
fn is_retention(value: &str) -> bool {
    let Some(unit) = value.chars().last() else {
        return false;
    };
    let seconds: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return false,
    };
    value[..value.len() - 1]
        .parse::<u32>()
        .is_ok_and(|n| (60..=10 * 366 * 86_400).contains(&(u64::from(n) * seconds)))
}

/// 128 random bits as hex.
fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ConfigError {
            variable,
            reason: format!("{v:?} is not a valid number"),
        }),
    }
}

/// `scheme://host[:port]` of an http(s) URL, with the default port made explicit.
pub fn origin_of(url: &str) -> Result<String, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?} is not a URL (expected http:// or https://)"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return Err(format!("{url:?} must use http or https")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(format!("{url:?} has no valid host"));
    }
    let (host, port) =
        split_host_port(authority).ok_or_else(|| format!("{url:?} has an invalid port"))?;
    Ok(format!(
        "{scheme}://{}:{}",
        host.to_ascii_lowercase(),
        port.unwrap_or(default_port)
    ))
}

fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    // IPv6 literals keep their brackets: "[::1]:8080".
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    };
    let port = match port {
        None => None,
        Some(p) => Some(p.parse().ok()?),
    };
    (!host.is_empty()).then_some((host, port))
}

/// Accepts the seed's `sqlite://PATH?mode=rwc` (three slashes for an absolute path) or a
/// plain file path.
fn parse_connection_string(
    value: &str,
    synchronous: Synchronous,
    auth_token: Option<String>,
) -> Result<Storage, String> {
    let value = value.trim();
    let rest = match value.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("sqlite") => rest,
        Some((scheme, rest)) if is_libsql_scheme(scheme) => {
            // libsql:// is https:// to the client; the origin check wants http(s).
            origin_of(&format!("https://{rest}"))?;
            return Ok(Storage::Server(LibsqlServer {
                url: value.to_string(),
                auth_token: auth_token.unwrap_or_default(),
            }));
        }
        Some((scheme, _)) => {
            return Err(format!(
                "{scheme}:// is not supported: give a file path, sqlite://PATH, or a libSQL \
                 server's http://, https:// or libsql:// URL"
            ))
        }
        None => value.strip_prefix("sqlite:").unwrap_or(value),
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(format!(
            "{value:?} names no database file (an in-memory database would lose alerts)"
        ));
    }
    let mut mode = OpenMode::ReadWriteCreate;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("mode", "ro")) => mode = OpenMode::ReadOnly,
            Some(("mode", "rw")) => mode = OpenMode::ReadWrite,
            Some(("mode", "rwc")) => mode = OpenMode::ReadWriteCreate,
            _ => return Err(format!("unsupported option {pair:?} (only mode=ro|rw|rwc)")),
        }
    }
    Ok(Storage::File(Database {
        path: PathBuf::from(path),
        mode,
        synchronous,
    }))
}

fn is_libsql_scheme(scheme: &str) -> bool {
    ["http", "https", "libsql"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    fn file(c: &Config) -> &Database {
        match &c.storage {
            Storage::File(database) => database,
            Storage::Server(server) => panic!("a server, not a file: {server:?}"),
        }
    }

    #[test]
    fn defaults_need_nothing_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen_host.to_string(), "0.0.0.0");
        assert_eq!(c.port, 3031);
        assert_eq!(file(&c).path, PathBuf::from("./data/alertgraph.db"));
        assert_eq!(file(&c).mode, OpenMode::ReadWriteCreate);
        assert_eq!(c.variables["slack_api_url"], "https://slack.com/api");
        // Slack's file uploads go to its files origin.
        assert_eq!(
            c.allowed_outbound,
            vec!["https://slack.com:443", "https://files.slack.com:443"]
        );
        assert!(!c.log_json);
        // An acknowledged webhook survives a power loss unless the user trades that away.
        assert_eq!(file(&c).synchronous, Synchronous::Full);
    }

    #[test]
    fn a_libsql_server_url_and_its_token() {
        // It was once taken as a relative path and created `./http:/127.0.0.1:8080`.
        for url in [
            "http://127.0.0.1:8080",
            "https://db.example",
            "libsql://db.turso.io",
        ] {
            let c = config(&[
                ("DB_CONNECTION_STRING", url),
                ("LIBSQL_AUTH_TOKEN", "jwt-secret"),
            ])
            .unwrap();
            let server = LibsqlServer {
                url: url.into(),
                auth_token: "jwt-secret".into(),
            };
            assert_eq!(c.storage, Storage::Server(server));
            assert!(!format!("{c:?}").contains("jwt-secret"));
        }
        let c = config(&[("DB_CONNECTION_STRING", "http://127.0.0.1:8080")]).unwrap();
        assert!(matches!(c.storage, Storage::Server(s) if s.auth_token.is_empty()));
        let err = config(&[("DB_CONNECTION_STRING", "postgres://db/x")]).unwrap_err();
        assert!(
            err.reason.starts_with("postgres:// is not supported"),
            "{err}"
        );
        let err = config(&[("LIBSQL_AUTH_TOKEN", "jwt-secret")]).unwrap_err();
        assert_eq!(err.variable, "LIBSQL_AUTH_TOKEN");
        let c = config(&[("DB_CONNECTION_STRING", "SQLITE:///data/x.db")]).unwrap();
        assert_eq!(file(&c).path, PathBuf::from("/data/x.db"));
    }

    #[test]
    fn synchronous_is_full_or_normal() {
        for (value, want) in [
            ("normal", Synchronous::Normal),
            (" FULL ", Synchronous::Full),
        ] {
            let c = config(&[("SQLITE_SYNCHRONOUS", value)]).unwrap();
            assert_eq!(file(&c).synchronous, want, "{value}");
        }
        let c = config(&[
            ("SQLITE_SYNCHRONOUS", "normal"),
            ("DB_CONNECTION_STRING", "/x.db"),
        ])
        .unwrap();
        assert_eq!(file(&c).synchronous, Synchronous::Normal);
    }

    #[test]
    fn retention_settings_reach_the_component_as_given() {
        let c = config(&[("HISTORY_RETENTION", "10m"), ("CHART_RETENTION", "2w")]).unwrap();
        assert_eq!(c.variables["history_retention"], "10m");
        assert_eq!(c.variables["chart_retention"], "2w");
        assert!(!config(&[])
            .unwrap()
            .variables
            .contains_key("history_retention"));
    }

    #[test]
    fn seed_connection_string_and_storage_dir() {
        let c = config(&[(
            "DB_CONNECTION_STRING",
            "sqlite:///data/slack-app.db?mode=rwc",
        )])
        .unwrap();
        assert_eq!(file(&c).path, PathBuf::from("/data/slack-app.db"));
        let c = config(&[("DB_CONNECTION_STRING", "sqlite://rel/x.db?mode=ro")]).unwrap();
        assert_eq!(
            *file(&c),
            Database {
                path: "rel/x.db".into(),
                mode: OpenMode::ReadOnly,
                synchronous: Synchronous::Full,
            }
        );
        let c = config(&[("STORAGE_DIR", "/var/lib/ag")]).unwrap();
        assert_eq!(file(&c).path, PathBuf::from("/var/lib/ag/alertgraph.db"));
    }

    #[test]
    fn outbound_origins_come_from_the_urls() {
        let c = config(&[
            ("PROMETHEUS_URL", "http://Prom.example:9090/prefix"),
            ("SLACK_API_URL", "http://127.0.0.1:4000/api"),
            ("ALERTMANAGER_URL", "http://[::1]:9093"),
            ("BASE_URL", "https://alertgraph.example"),
        ])
        .unwrap();
        assert_eq!(
            c.allowed_outbound,
            vec![
                "http://127.0.0.1:4000",
                "http://prom.example:9090",
                "http://[::1]:9093"
            ]
        );
        assert_eq!(
            c.variables["prometheus_url"],
            "http://Prom.example:9090/prefix"
        );
    }

    #[test]
    fn a_comparison_offset_reaches_the_component() {
        let c = config(&[("CHART_COMPARE", "2w")]).unwrap();
        assert_eq!(c.variables["chart_compare"], "2w");
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("PORT", "http"),
            ("PORT", "70000"),
            ("LISTEN_HOST", "not-an-ip"),
            ("PROMETHEUS_URL", "prometheus:9090"),
            ("SLACK_API_URL", "ftp://x"),
            ("BASE_URL", "http://"),
            ("EXPLORER_URL", "http://host:port"),
            ("CHART_DELIVERY", "email"),
            ("CHART_COMPARE", "7d"),
            ("ALLOW_BROADCAST_MENTIONS", "yes"),
            ("LOG_JSON", "maybe"),
            ("DB_CONNECTION_STRING", "sqlite::memory:"),
            ("DB_CONNECTION_STRING", "sqlite://x.db?cache=shared"),
            ("DB_CONNECTION_STRING", "http://"),
            ("DB_CONNECTION_STRING", "libsql://db.example:port"),
            ("DB_CONNECTION_STRING", "postgres://db/x"),
            ("INSTANCE_MEMORY_MB", "1"),
            ("REQUEST_TIMEOUT_SECS", "0"),
            ("MAX_CONCURRENT_REQUESTS", "-3"),
            ("DRAIN_INTERVAL_SECS", "0"),
            ("SLACK_CHANNEL_INTERVAL_MS", "fast"),
            ("SLACK_CHANNEL_INTERVAL_MS", "600000"),
            ("SLACK_GROUP_LIMIT", "-1"),
            ("HISTORY_RETENTION", "90"),
            ("HISTORY_RETENTION", "90 days"),
            ("CHART_RETENTION", "30s"),
            ("CHART_RETENTION", "1.5d"),
            ("CHART_RETENTION", "4000d"),
            ("SQLITE_SYNCHRONOUS", "off"),
        ];
        for (variable, value) in cases {
            let err = config(&[(variable, value)]).expect_err(value);
            assert_eq!(err.variable, *variable, "{value}");
            assert!(err.to_string().contains(variable), "{err}");
        }
    }

    #[test]
    fn the_shipped_placeholder_is_refused_and_short_tokens_are_named() {
        for variable in ["SLACK_BOT_TOKEN", "WEBHOOK_TOKEN", "SLACK_SIGNING_SECRET"] {
            let err = config(&[(variable, "change-me")]).expect_err(variable);
            assert_eq!(err.variable, variable);
            assert!(err.to_string().contains("placeholder"), "{err}");
        }
        let c = config(&[
            ("WEBHOOK_TOKEN", "short-token"),
            ("HISTORY_TOKEN", "a-long-enough-history-token"),
            ("DRAIN_TOKEN", "fifteen-chars-x"),
        ])
        .unwrap();
        assert_eq!(c.short_tokens(), ["WEBHOOK_TOKEN", "DRAIN_TOKEN"]);
        // The drain token made up when none is set is long.
        assert!(config(&[]).unwrap().short_tokens().is_empty());
    }

    #[test]
    fn secrets_never_reach_debug_output() {
        let c = config(&[
            ("SLACK_BOT_TOKEN", "xoxb-secret-1"),
            ("WEBHOOK_TOKEN", "hook-secret-2"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("xoxb-secret-1") && !shown.contains("hook-secret-2"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn drain_token_is_random_unless_set() {
        let a = config(&[]).unwrap().variables["drain_token"].clone();
        let b = config(&[]).unwrap().variables["drain_token"].clone();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        let set = config(&[("DRAIN_TOKEN", "cron-secret")]).unwrap();
        assert_eq!(set.variables["drain_token"], "cron-secret");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = config(&[("PORT", ""), ("WEBHOOK_TOKEN", "  ")]).unwrap();
        assert_eq!(c.port, 3031);
        assert!(!c.variables.contains_key("webhook_token"));
    }
}
