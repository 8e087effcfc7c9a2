//! What the manifests are checked against, read from the repository itself: the host's
//! settings (the README's Configuration table), the renderer sidecar's settings (its
//! source), the Spin variables (`spin.toml`) and the Slack methods the handler calls.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The facts, read once.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The embedded host's environment variables, with their default where the README gives one.
    pub host_settings: BTreeMap<String, Option<String>>,
    /// The host's settings the README calls secret (a clause `secret` in the row's meaning).
    pub host_secrets: BTreeSet<String>,
    /// The renderer sidecar's environment variables.
    pub renderer_settings: BTreeSet<String>,
    /// The port the sidecar listens on by default.
    pub renderer_default_port: u16,
    pub spin: SpinManifest,
}

/// What the checks need from `spin.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpinManifest {
    /// `[variables]`: name → `secret = true`.
    pub variables: BTreeMap<String, bool>,
    /// Variables used in `allowed_outbound_hosts` (their values must be origins).
    pub outbound_variables: BTreeSet<String>,
    /// Every component's `sqlite_databases`.
    pub sqlite_databases: BTreeSet<String>,
}

impl Project {
    /// Reads README.md, spin.toml and the sidecar's source (with `serve/`) under `root`.
    pub fn read(root: &Path) -> Result<Project, String> {
        let read = |path: &str| {
            std::fs::read_to_string(root.join(path)).map_err(|e| format!("reading {path}: {e}"))
        };
        let readme = read("README.md")?;
        let host_settings = readme_settings(&readme)?;
        let host_secrets = readme_secret_settings(&readme);
        // The sidecar's own settings, and RUST_LOG, which alertgraph-serve reads for it.
        let sidecar = read("renderer/sidecar/src/settings.rs")?
            + &read("renderer/sidecar/src/main.rs")?
            + &read("serve/src/lib.rs")?;
        let (renderer_settings, renderer_default_port) = sidecar_settings(&sidecar)?;
        let spin = spin_manifest(&read("spin.toml")?)?;
        Ok(Project {
            host_settings,
            host_secrets,
            renderer_settings,
            renderer_default_port,
            spin,
        })
    }
}

/// The Configuration table's rows: ``| `NAME` | `default` or — | meaning |``.
pub fn readme_settings(readme: &str) -> Result<BTreeMap<String, Option<String>>, String> {
    let mut settings = BTreeMap::new();
    for (name, rest, _) in code_rows(readme) {
        let is_setting = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !is_setting {
            continue;
        }
        let default = rest
            .trim_start_matches([' ', '|'])
            .strip_prefix('`')
            .and_then(|d| d.split_once('`'))
            .map(|(d, _)| d.to_owned());
        settings.insert(name.to_owned(), default);
    }
    if settings.len() < 5 {
        return Err(format!(
            "README.md: found only {} rows like \"| `NAME` |\" in the Configuration table",
            settings.len()
        ));
    }
    Ok(settings)
}

/// The Configuration table's settings whose meaning (the last column) has a clause that is
/// just `secret` (`…; secret`, `secret, never logged`).
pub fn readme_secret_settings(readme: &str) -> BTreeSet<String> {
    let mut secrets = BTreeSet::new();
    for (name, _, line) in code_rows(readme) {
        // The meaning is the last cell; an escaped `\|` inside it is no separator.
        let cells = line.trim_end().trim_end_matches('|').replace("\\|", "/");
        let meaning = cells.rsplit('|').next().unwrap_or("");
        if meaning
            .split([';', ','])
            .any(|clause| clause.trim() == "secret")
        {
            secrets.insert(name.to_owned());
        }
    }
    secrets
}

/// The table rows that begin with a code cell: (its text, what follows it, the whole line).
fn code_rows(readme: &str) -> impl Iterator<Item = (&str, &str, &str)> {
    readme.lines().filter_map(|line| {
        let (name, rest) = line.strip_prefix("| `")?.split_once('`')?;
        Some((name, rest, line))
    })
}

/// The names the sidecar reads (`get("NAME")`, `env::var("NAME")`) and its `DEFAULT_PORT`.
pub fn sidecar_settings(source: &str) -> Result<(BTreeSet<String>, u16), String> {
    let mut names = BTreeSet::new();
    for marker in ["get(\"", "var(\""] {
        for (i, _) in source.match_indices(marker) {
            let rest = &source[i + marker.len()..];
            if let Some((name, _)) = rest.split_once('"') {
                names.insert(name.to_owned());
            }
        }
    }
    let port = source
        .lines()
        .find_map(|line| line.trim().strip_prefix("const DEFAULT_PORT: u16 = "))
        .and_then(|rest| rest.trim_end_matches(';').trim().parse().ok())
        .ok_or("the sidecar's source has no `const DEFAULT_PORT: u16 = N;`")?;
    if !names.contains("PORT") {
        return Err(format!(
            "the sidecar's source reads no PORT (found {names:?}): has it moved?"
        ));
    }
    Ok((names, port))
}

/// `[variables]`, the variables in `allowed_outbound_hosts` and the `sqlite_databases`.
pub fn spin_manifest(text: &str) -> Result<SpinManifest, String> {
    let manifest: toml::Table = toml::from_str(text).map_err(|e| format!("spin.toml: {e}"))?;
    let variables = manifest
        .get("variables")
        .and_then(toml::Value::as_table)
        .ok_or("spin.toml: no [variables]")?
        .iter()
        .map(|(name, spec)| {
            let secret = spec.get("secret").and_then(toml::Value::as_bool) == Some(true);
            (name.clone(), secret)
        })
        .collect();
    let mut outbound_variables = BTreeSet::new();
    let mut sqlite_databases = BTreeSet::new();
    let components = manifest.get("component").and_then(toml::Value::as_table);
    for component in components.into_iter().flat_map(|c| c.values()) {
        let strings = |key: &str| {
            component
                .get(key)
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(toml::Value::as_str)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        for host in strings("allowed_outbound_hosts") {
            outbound_variables.extend(template_names(&host));
        }
        sqlite_databases.extend(strings("sqlite_databases"));
    }
    Ok(SpinManifest {
        variables,
        outbound_variables,
        sqlite_databases,
    })
}

/// The names in a Spin template: `{{ name }}`.
fn template_names(template: &str) -> Vec<String> {
    template
        .split("{{")
        .skip(1)
        .filter_map(|part| part.split_once("}}"))
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}

/// Slack Web API methods and the bot scope each needs ("" for none).
pub const SLACK_METHOD_SCOPES: [(&str, &str); 7] = [
    ("chat.postMessage", "chat:write"),
    ("chat.update", "chat:write"),
    ("chat.postEphemeral", "chat:write"),
    ("chat.getPermalink", ""),
    ("conversations.history", "channels:history"),
    ("files.getUploadURLExternal", "files:write"),
    ("files.completeUploadExternal", "files:write"),
];

/// Families of Slack methods: a string literal `"family.method"` in the handler's Slack
/// client is taken as a method call.
const SLACK_FAMILIES: [&str; 14] = [
    "admin",
    "apps",
    "auth",
    "bookmarks",
    "channels",
    "chat",
    "conversations",
    "files",
    "groups",
    "pins",
    "reactions",
    "team",
    "users",
    "views",
];

/// The bot scopes the Slack client's source (`handler/src/slack/api.rs`) needs: each method
/// named in a string literal, looked up in [`SLACK_METHOD_SCOPES`]; a method missing there
/// is an error, so a new call cannot go unnoticed.
pub fn slack_scopes_needed(source: &str) -> Result<BTreeSet<String>, String> {
    let mut scopes = BTreeSet::new();
    for family in SLACK_FAMILIES {
        for (i, _) in source.match_indices(&format!("\"{family}.")) {
            let Some((literal, _)) = source[i + 1..].split_once('"') else {
                continue;
            };
            let method = &literal[family.len() + 1..];
            if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            let scope = SLACK_METHOD_SCOPES
                .iter()
                .find(|(m, _)| *m == literal)
                .map(|(_, scope)| *scope)
                .ok_or_else(|| {
                    format!(
                        "the Slack client calls {literal}, whose scope the checker does not \
                         know: add it to SLACK_METHOD_SCOPES (project.rs) and to the Slack manifest"
                    )
                })?;
            if !scope.is_empty() {
                scopes.insert(scope.to_owned());
            }
        }
    }
    if scopes.is_empty() {
        return Err("found no Slack method in the Slack client's source".into());
    }
    Ok(scopes)
}
