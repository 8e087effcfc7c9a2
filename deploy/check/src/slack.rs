//! The Slack app manifest (`deploy/slack-app-manifest.yaml`): the fields it uses, typed with
//! Slack's limits, and the bot scopes against those the code needs.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::schema::{read_documents, round_trip};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "_metadata")]
    pub metadata: Option<Metadata>,
    pub display_information: DisplayInformation,
    pub features: Features,
    pub oauth_config: OauthConfig,
    pub settings: Settings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub major_version: u32,
    pub minor_version: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayInformation {
    pub name: String,
    pub description: Option<String>,
    pub long_description: Option<String>,
    pub background_color: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Features {
    pub bot_user: BotUser,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BotUser {
    pub display_name: String,
    pub always_online: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OauthConfig {
    pub scopes: Scopes,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scopes {
    pub bot: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub interactivity: Option<Interactivity>,
    pub org_deploy_enabled: bool,
    pub socket_mode_enabled: bool,
    pub token_rotation_enabled: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Interactivity {
    pub is_enabled: bool,
    pub request_url: Option<String>,
    pub message_menu_options_url: Option<String>,
}

/// Where alertgraph takes button clicks.
pub const INTERACTIONS_PATH: &str = "/api/slack/interactions";

/// Reads the manifest (one YAML document), checks its types and Slack's limits, and that
/// the bot scopes include every one of `needed`.
pub fn check_manifest(text: &str, needed: &BTreeSet<String>) -> Result<Manifest, String> {
    let docs = read_documents("slack-app-manifest.yaml", text)?;
    let [doc] = docs.as_slice() else {
        return Err(format!(
            "slack-app-manifest.yaml: {} documents, expected one",
            docs.len()
        ));
    };
    let manifest =
        *round_trip::<Manifest>(&doc.value).map_err(|e| format!("slack-app-manifest.yaml: {e}"))?;
    let mut problems = Vec::new();
    let info = &manifest.display_information;
    let mut limit = |path: &str, value: &str, max: usize| {
        let n = value.chars().count();
        if n == 0 || n > max {
            problems.push(format!("{path}: {n} characters, Slack takes 1 to {max}"));
        }
    };
    limit("display_information.name", &info.name, 35);
    limit(
        "features.bot_user.display_name",
        &manifest.features.bot_user.display_name,
        80,
    );
    if let Some(description) = &info.description {
        limit("display_information.description", description, 140);
    }
    if let Some(long) = &info.long_description {
        let n = long.chars().count();
        if !(174..=4000).contains(&n) {
            problems.push(format!(
                "display_information.long_description: {n} characters, Slack takes 174 to 4000"
            ));
        }
    }
    if let Some(color) = &info.background_color {
        let hex = color.strip_prefix('#').unwrap_or("");
        if !matches!(hex.len(), 3 | 6) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            problems.push(format!(
                "display_information.background_color: {color:?} is not #rgb or #rrggbb"
            ));
        }
    }
    let granted: BTreeSet<&str> = manifest
        .oauth_config
        .scopes
        .bot
        .iter()
        .map(String::as_str)
        .collect();
    for scope in needed {
        if !granted.contains(scope.as_str()) {
            problems.push(format!(
                "oauth_config.scopes.bot: lacks {scope}, which the code needs"
            ));
        }
    }
    match &manifest.settings.interactivity {
        Some(Interactivity {
            is_enabled: true,
            request_url: Some(url),
            ..
        }) if url.starts_with("https://") && url.ends_with(INTERACTIONS_PATH) => {}
        _ => problems.push(format!(
            "settings.interactivity: must be enabled with an https request_url ending in {INTERACTIONS_PATH} (the buttons post there)"
        )),
    }
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(format!("slack-app-manifest.yaml: {}", problems.join("; ")))
    }
}
