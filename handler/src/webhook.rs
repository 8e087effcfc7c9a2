//! The Alertmanager webhook (version "4"): wire types, validation, and conversion to the
//! store's `webhook` record.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

use crate::rfc3339;
use crate::store::{Alert, AlertStatus, LabelSet, Webhook};

/// Alertmanager's zero `time.Time`, which it sends for "not set".
const ZERO_TIME_MS: i64 = -62_135_596_800_000;

/// Longest excerpt of a bad value echoed in an error message.
const ECHO_CHARS: usize = 64;
/// Most labels (and most annotations) one alert may carry: real rules have a few dozen; more
/// is a broken rule whose every message and chart would be unreadable.
pub const MAX_LABELS: usize = 128;
/// Longest label or annotation value, in bytes: a description or runbook fits many times.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;
/// Longest serde_json reason kept (its position aside): it may quote a whole value of the body.
const JSON_REASON_CHARS: usize = 160;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireWebhook {
    version: String,
    group_key: String,
    #[serde(default)]
    truncated_alerts: u32,
    status: String,
    receiver: String,
    #[serde(default, deserialize_with = "label_set")]
    group_labels: LabelSet,
    #[serde(default, deserialize_with = "label_set")]
    common_labels: LabelSet,
    #[serde(default, deserialize_with = "label_set")]
    common_annotations: LabelSet,
    #[serde(default, rename = "externalURL")]
    external_url: String,
    alerts: Vec<WireAlert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAlert {
    status: String,
    #[serde(deserialize_with = "label_set")]
    labels: LabelSet,
    #[serde(default, deserialize_with = "label_set")]
    annotations: LabelSet,
    starts_at: String,
    #[serde(default)]
    ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
    fingerprint: String,
}

/// Read on a shape error only, to tell a foreign version from a broken v4 body.
#[derive(Deserialize)]
struct VersionProbe {
    version: String,
}

/// Why a body is not an acceptable webhook.
#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Not JSON, or not the v4 shape: serde_json's reason, cut short.
    Json(String),
    /// A well-formed webhook of another version.
    Version(String),
    /// A field with a value the store cannot take: names the field (and alert index).
    Alert(String),
}

impl Invalid {
    /// The short machine reason counted by the store.
    pub fn reason(&self) -> &'static str {
        match self {
            Invalid::Json(_) => "bad_json",
            Invalid::Version(_) => "bad_version",
            Invalid::Alert(_) => "bad_alert",
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Json(reason) => write!(f, "invalid JSON: {reason}"),
            Invalid::Version(v) => write!(
                f,
                "unsupported webhook version {} (expected \"4\")",
                quoted(v)
            ),
            Invalid::Alert(reason) => f.write_str(reason),
        }
    }
}

/// Parses and validates a webhook body into the store's record.
pub fn parse(body: &[u8]) -> Result<Webhook, Invalid> {
    let wire: WireWebhook = serde_json::from_slice(body).map_err(|e| {
        let probe = e
            .is_data()
            .then(|| serde_json::from_slice::<VersionProbe>(body));
        match probe {
            Some(Ok(VersionProbe { version })) if version != "4" => Invalid::Version(version),
            _ => Invalid::Json(json_reason(&e)),
        }
    })?;
    if wire.version != "4" {
        return Err(Invalid::Version(wire.version));
    }
    let status = status("status", &wire.status)?;
    let alerts = wire
        .alerts
        .into_iter()
        .enumerate()
        .map(|(i, alert)| convert_alert(i, alert))
        .collect::<Result<_, _>>()?;
    Ok(Webhook {
        receiver: wire.receiver,
        status,
        group_key: wire.group_key,
        group_labels: wire.group_labels,
        common_labels: wire.common_labels,
        common_annotations: wire.common_annotations,
        external_url: wire.external_url,
        truncated_alerts: wire.truncated_alerts,
        alerts,
    })
}

fn convert_alert(i: usize, a: WireAlert) -> Result<Alert, Invalid> {
    let field = |name: &str| format!("alerts[{i}].{name}");
    if a.fingerprint.is_empty() {
        return Err(Invalid::Alert(format!("{}: empty", field("fingerprint"))));
    }
    for (name, set) in [("labels", &a.labels), ("annotations", &a.annotations)] {
        bounded(set).map_err(|why| {
            Invalid::Alert(format!(
                "alerts[{i}] (fingerprint {}): {name}{why}",
                quoted(&a.fingerprint)
            ))
        })?;
    }
    let starts_at = time(&field("startsAt"), &a.starts_at)?
        .ok_or_else(|| Invalid::Alert(format!("{}: zero time (not set)", field("startsAt"))))?;
    let ends_at = match &a.ends_at {
        Some(t) => time(&field("endsAt"), t)?,
        None => None,
    };
    Ok(Alert {
        fingerprint: a.fingerprint,
        status: status(&field("status"), &a.status)?,
        labels: a.labels,
        annotations: a.annotations,
        starts_at,
        ends_at,
        generator_url: a.generator_url,
    })
}

/// Within [`MAX_LABELS`] entries of at most [`MAX_VALUE_BYTES`] each; `Err` ends the field's
/// name and says what is over.
fn bounded(set: &LabelSet) -> Result<(), String> {
    if set.len() > MAX_LABELS {
        return Err(format!(
            ": {} entries, over the limit of {MAX_LABELS}",
            set.len()
        ));
    }
    match set.iter().find(|(_, value)| value.len() > MAX_VALUE_BYTES) {
        Some((name, value)) => Err(format!(
            ".{}: a value of {} bytes, over the limit of {MAX_VALUE_BYTES}",
            quoted(name),
            value.len()
        )),
        None => Ok(()),
    }
}

fn status(field: &str, value: &str) -> Result<AlertStatus, Invalid> {
    match value {
        "firing" => Ok(AlertStatus::Firing),
        "resolved" => Ok(AlertStatus::Resolved),
        _ => Err(Invalid::Alert(format!(
            "{field}: {} is neither \"firing\" nor \"resolved\"",
            quoted(value)
        ))),
    }
}

/// An RFC 3339 time in ms; `None` for Alertmanager's zero time.
fn time(field: &str, value: &str) -> Result<Option<i64>, Invalid> {
    match rfc3339::parse_ms(value) {
        Ok(ZERO_TIME_MS) => Ok(None),
        Ok(ms) => Ok(Some(ms)),
        Err(why) => Err(Invalid::Alert(format!(
            "{field}: {} is not an RFC 3339 time ({why})",
            quoted(value)
        ))),
    }
}

/// A JSON object of strings (null counts as empty), sorted by name.
fn label_set<'de, D: Deserializer<'de>>(d: D) -> Result<LabelSet, D::Error> {
    let map = Option::<BTreeMap<String, String>>::deserialize(d)?;
    Ok(map.unwrap_or_default().into_iter().collect())
}

/// serde_json's reason cut short, still saying where in the body it failed.
fn json_reason(e: &serde_json::Error) -> String {
    let reason = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let (message, position) = match reason.strip_suffix(&position) {
        Some(message) => (message, position.as_str()),
        None => (reason.as_str(), ""),
    };
    match message.char_indices().nth(JSON_REASON_CHARS) {
        Some((cut, _)) => format!("{}…{position}", &message[..cut]),
        None => reason.clone(),
    }
}

/// The value in quotes and escaped, cut short: error messages stay one short line.
fn quoted(value: &str) -> String {
    match value.char_indices().nth(ECHO_CHARS) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Invalid, MAX_LABELS, MAX_VALUE_BYTES};
    use crate::store::{AlertStatus, Webhook};

    const FIRING: &str = include_str!("../../tests/fixtures/alertmanager-0.25/firing.json");
    const RESOLVED: &str = include_str!("../../tests/fixtures/alertmanager-0.25/resolved.json");

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// The firing fixture with one JSON edit applied, parsed.
    fn parse_edited(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Webhook, Invalid> {
        let mut v: serde_json::Value = serde_json::from_str(FIRING).unwrap();
        edit(&mut v);
        parse(v.to_string().as_bytes())
    }

    fn alert_error(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        match parse_edited(edit) {
            Err(Invalid::Alert(reason)) => reason,
            other => panic!("expected a bad_alert error, got {other:?}"),
        }
    }

    #[test]
    fn firing_fixture() {
        let hook = parse(FIRING.as_bytes()).unwrap();
        assert_eq!(hook.receiver, "app");
        assert_eq!(hook.status, AlertStatus::Firing);
        assert_eq!(
            hook.group_key,
            "{}:{alertname=\"HighErrorRate\", service=\"checkout\"}"
        );
        assert_eq!(
            hook.group_labels,
            pairs(&[("alertname", "HighErrorRate"), ("service", "checkout")])
        );
        assert_eq!(hook.common_labels.len(), 3);
        assert_eq!(hook.common_annotations.len(), 2);
        assert_eq!(hook.external_url, "http://127.0.0.1:36017");
        assert_eq!(hook.truncated_alerts, 0);
        assert_eq!(hook.alerts.len(), 1);

        let alert = &hook.alerts[0];
        assert_eq!(alert.fingerprint, "6e890fd1d2e6636f");
        assert_eq!(alert.status, AlertStatus::Firing);
        assert_eq!(
            alert.labels,
            pairs(&[
                ("alertname", "HighErrorRate"),
                ("service", "checkout"),
                ("severity", "page"),
            ])
        );
        assert_eq!(alert.annotations[1].0, "summary");
        assert_eq!(
            alert.annotations[1].1,
            "High error rate on checkout: 6.554% of requests fail"
        );
        assert_eq!(alert.starts_at, 1_795_639_651_731);
        assert_eq!(alert.ends_at, None, "zero endsAt while firing means unset");
        assert!(alert.generator_url.contains("graph?g0.expr=sum+by"));
    }

    #[test]
    fn resolved_fixture() {
        let hook = parse(RESOLVED.as_bytes()).unwrap();
        assert_eq!(hook.status, AlertStatus::Resolved);
        let alert = &hook.alerts[0];
        assert_eq!(alert.status, AlertStatus::Resolved);
        assert_eq!(alert.starts_at, 1_795_639_651_731);
        assert_eq!(alert.ends_at, Some(1_795_639_741_731));
    }

    #[test]
    fn malformed_json_keeps_serde_reason() {
        let err = parse(b"{\"version\": \"4\",").unwrap_err();
        assert_eq!(err.reason(), "bad_json");
        assert_eq!(
            err.to_string(),
            "invalid JSON: EOF while parsing a value at line 1 column 16"
        );
        let err = parse(b"not json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON: expected ident at line 1 column 2"
        );
        assert_eq!(parse(b"").unwrap_err().reason(), "bad_json");
        assert_eq!(parse(b"[]").unwrap_err().reason(), "bad_json");
    }

    #[test]
    fn missing_fields_and_wrong_types_are_bad_json() {
        let err = parse_edited(|v| {
            v.as_object_mut().unwrap().remove("alerts");
        })
        .unwrap_err();
        assert_eq!(err.reason(), "bad_json");
        assert!(err
            .to_string()
            .starts_with("invalid JSON: missing field `alerts`"));

        let err = parse_edited(|v| {
            v["alerts"][0]
                .as_object_mut()
                .unwrap()
                .remove("fingerprint");
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("missing field `fingerprint`"),
            "{err}"
        );

        let err = parse_edited(|v| v["alerts"][0]["labels"]["severity"] = 3.into()).unwrap_err();
        assert_eq!(err.reason(), "bad_json");
        assert!(
            err.to_string().contains("invalid type: integer `3`"),
            "{err}"
        );

        let err = parse_edited(|v| v["truncatedAlerts"] = (-1).into()).unwrap_err();
        assert_eq!(err.reason(), "bad_json");

        let err = parse_edited(|v| v["version"] = 4.into()).unwrap_err();
        assert_eq!(err.reason(), "bad_json");
    }

    #[test]
    fn optional_fields_default_and_null_maps_are_empty() {
        let hook = parse_edited(|v| {
            let o = v.as_object_mut().unwrap();
            o.remove("truncatedAlerts");
            o.remove("externalURL");
            o.insert("commonAnnotations".into(), serde_json::Value::Null);
            let a = v["alerts"][0].as_object_mut().unwrap();
            a.remove("endsAt");
            a.remove("generatorURL");
            a.remove("annotations");
        })
        .unwrap();
        assert_eq!(hook.truncated_alerts, 0);
        assert_eq!(hook.external_url, "");
        assert!(hook.common_annotations.is_empty());
        assert_eq!(hook.alerts[0].ends_at, None);
        assert_eq!(hook.alerts[0].generator_url, "");
        assert!(hook.alerts[0].annotations.is_empty());
    }

    #[test]
    fn other_versions_are_refused() {
        let err = parse_edited(|v| v["version"] = "5".into()).unwrap_err();
        assert_eq!(err.reason(), "bad_version");
        assert_eq!(
            err.to_string(),
            "unsupported webhook version \"5\" (expected \"4\")"
        );
        // A foreign shape is reported by its version, not by the first field it lacks.
        let err = parse(br#"{"version":"3","alerts":"x"}"#).unwrap_err();
        assert_eq!(err, Invalid::Version("3".into()));
    }

    #[test]
    fn bad_status_names_the_field() {
        let err = alert_error(|v| v["alerts"][0]["status"] = "pending".into());
        assert_eq!(
            err,
            "alerts[0].status: \"pending\" is neither \"firing\" nor \"resolved\""
        );
        let err = alert_error(|v| v["status"] = "".into());
        assert_eq!(err, "status: \"\" is neither \"firing\" nor \"resolved\"");
    }

    #[test]
    fn bad_timestamps_name_the_field_and_index() {
        let err = alert_error(|v| {
            let second = v["alerts"][0].clone();
            v["alerts"].as_array_mut().unwrap().push(second);
            v["alerts"][1]["startsAt"] = "2026-02-30T00:00:00Z".into();
        });
        assert_eq!(
            err,
            "alerts[1].startsAt: \"2026-02-30T00:00:00Z\" is not an RFC 3339 time (day out of range)"
        );
        let err = alert_error(|v| v["alerts"][0]["endsAt"] = "yesterday".into());
        assert_eq!(
            err,
            "alerts[0].endsAt: \"yesterday\" is not an RFC 3339 time (too short)"
        );
        let err = alert_error(|v| v["alerts"][0]["startsAt"] = "0001-01-01T00:00:00Z".into());
        assert_eq!(err, "alerts[0].startsAt: zero time (not set)");
    }

    #[test]
    fn too_many_labels_or_a_huge_value_name_the_alert_and_field() {
        let labels: serde_json::Map<_, _> = (0..=MAX_LABELS)
            .map(|n| (format!("l{n}"), serde_json::json!("v")))
            .collect();
        let err = alert_error(|v| {
            let mut second = v["alerts"][0].clone();
            second["fingerprint"] = "second".into();
            second["labels"] = labels.into();
            v["alerts"].as_array_mut().unwrap().push(second);
        });
        assert_eq!(
            err,
            "alerts[1] (fingerprint \"second\"): labels: 129 entries, over the limit of 128"
        );
        let huge = "x".repeat(MAX_VALUE_BYTES + 1);
        let err = alert_error(|v| v["alerts"][0]["annotations"]["runbook"] = huge.into());
        assert!(
            err.ends_with(
                ": annotations.\"runbook\": a value of 16385 bytes, over the limit of 16384"
            ),
            "{err}"
        );
        let at_limit = "x".repeat(MAX_VALUE_BYTES);
        let hook = parse_edited(|v| v["alerts"][0]["labels"]["big"] = at_limit.into()).unwrap();
        assert_eq!(hook.alerts[0].labels.len(), 4);
    }

    #[test]
    fn empty_fingerprint_is_refused() {
        let err = alert_error(|v| v["alerts"][0]["fingerprint"] = "".into());
        assert_eq!(err, "alerts[0].fingerprint: empty");
        assert_eq!(Invalid::Alert(err).reason(), "bad_alert");
    }

    #[test]
    fn echoed_values_are_escaped_and_cut_short() {
        let long = format!("x\n{}", "y".repeat(200));
        let err = parse_edited(|v| v["version"] = long.clone().into()).unwrap_err();
        let line = err.to_string();
        assert!(!line.contains('\n'));
        assert!(line.starts_with("unsupported webhook version \"x\\nyyy"));
        assert!(line.len() < 120, "{line}");

        let err = parse_edited(|v| v["truncatedAlerts"] = "z".repeat(5000).into()).unwrap_err();
        let line = err.to_string();
        assert!(
            line.starts_with("invalid JSON: invalid type: string \"zzz"),
            "{line}"
        );
        assert!(line.contains("zzz… at line 1 column "), "{line}");
        assert!(line.len() < 220, "{line}");
    }
}

#[cfg(test)]
mod props;
