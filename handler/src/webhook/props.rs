//! Properties of [`parse`] on hostile bodies: it never panics, a refusal is a 400 with a short
//! one-line reason, and what it accepts keeps every label exactly as sent.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Value};

use super::{parse, Invalid, MAX_LABELS, MAX_VALUE_BYTES};
use crate::props::{cases, config, hostile_char, hostile_text, long_text, maybe_long_text};
use crate::refusal::Refusal;

const FIRING: &str = include_str!("../../../tests/fixtures/alertmanager-0.25/firing.json");

/// Longest reason a refusal may give (it is the 400's body): an echoed excerpt is 64 characters,
/// each escaped to at most 10 (`\u{10ffff}`), with the words around it.
const MAX_REASON_CHARS: usize = 800;

/// `err` answers a 400 with its counted reason and one short line.
fn assert_clear_refusal(err: Invalid) -> Result<(), TestCaseError> {
    let line = err.to_string();
    prop_assert!(!line.trim().is_empty());
    prop_assert!(
        !line.contains(char::is_control),
        "control character in {line:?}"
    );
    prop_assert!(
        line.chars().count() <= MAX_REASON_CHARS,
        "too long: {line:?}"
    );
    let refusal = Refusal::from(err);
    prop_assert!(["bad_json", "bad_version", "bad_alert"].contains(&refusal.reason()));
    let reply = refusal.reply();
    prop_assert_eq!(reply.status, 400);
    prop_assert_eq!(reply.body.iter().filter(|&&b| b == b'\n').count(), 1);
    Ok(())
}

fn fixture() -> Value {
    serde_json::from_str(FIRING).expect("the fixture is JSON")
}

/// A byte-level edit of a body.
#[derive(Debug, Clone)]
enum Edit {
    Overwrite(Index, u8),
    Insert(Index, String),
    Delete(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Overwrite(at, byte)),
        (any::<Index>(), hostile_text(3)).prop_map(|(at, text)| Edit::Insert(at, text)),
        any::<Index>().prop_map(Edit::Delete),
    ]
}

fn apply(body: &mut Vec<u8>, edit: &Edit) {
    match edit {
        Edit::Overwrite(at, byte) if !body.is_empty() => {
            let i = at.index(body.len());
            body[i] = *byte;
        }
        Edit::Insert(at, text) => {
            let i = at.index(body.len() + 1);
            body.splice(i..i, text.bytes());
        }
        Edit::Delete(at) if !body.is_empty() => {
            body.remove(at.index(body.len()));
        }
        _ => {}
    }
}

/// Any JSON value, nested a few levels, its strings hostile or ones the webhook expects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text(8).prop_map(Value::from),
        long_text(3000).prop_map(Value::from),
        select(
            &[
                "4",
                "firing",
                "resolved",
                "",
                "2026-11-25T20:47:31.731Z",
                "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999-23:59",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(hostile_text(4), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Every place of the fixture a value can be put in, and one it does not have.
const FIELDS: [&str; 20] = [
    "/version",
    "/groupKey",
    "/truncatedAlerts",
    "/status",
    "/receiver",
    "/groupLabels",
    "/commonLabels",
    "/commonAnnotations",
    "/externalURL",
    "/alerts",
    "/alerts/0",
    "/alerts/0/status",
    "/alerts/0/labels",
    "/alerts/0/labels/alertname",
    "/alerts/0/annotations",
    "/alerts/0/startsAt",
    "/alerts/0/endsAt",
    "/alerts/0/generatorURL",
    "/alerts/0/fingerprint",
    "/unknown",
];

/// The fixture with `value` at `pointer` (an object member is added where there is none).
fn with_field(pointer: &str, value: Value) -> Value {
    let mut body = fixture();
    let (parent, name) = pointer.rsplit_once('/').expect("a JSON pointer");
    match body.pointer_mut(parent) {
        Some(Value::Object(object)) => {
            object.insert(name.to_owned(), value);
        }
        Some(Value::Array(array)) => array[0] = value,
        _ => unreachable!("{pointer} is in the fixture"),
    }
    body
}

/// The fixture's text with the JSON text `raw` at `pointer`.
fn with_raw(pointer: &str, raw: &str) -> String {
    const PLACEHOLDER: &str = "\u{1}placeholder\u{1}";
    let quoted = Value::from(PLACEHOLDER).to_string();
    with_field(pointer, Value::from(PLACEHOLDER))
        .to_string()
        .replacen(&quoted, raw, 1)
}

/// `text` as JSON writes it between the quotes of a string.
fn json_inner(text: &str) -> String {
    let quoted = Value::from(text).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Arrays and objects (`true`) nested as `shape` says, around `1`.
fn nested(shape: &[bool]) -> String {
    let mut text = String::new();
    for &object in shape {
        text.push_str(if object { r#"{"k":"# } else { "[" });
    }
    text.push('1');
    for &object in shape.iter().rev() {
        text.push(if object { '}' } else { ']' });
    }
    text
}

/// `text` as a JSON string literal with every character a `\u` escape (UTF-16, as JSON has it).
fn all_escaped(text: &str) -> String {
    let mut out = String::from("\"");
    let mut units = [0u16; 2];
    for c in text.chars() {
        for unit in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    }
    out.push('"');
    out
}

/// Up to `max` labels with hostile names and values, some of them long.
fn labels(max: usize) -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(hostile_text(6), maybe_long_text(3000), 0..max)
}

fn pairs(map: &BTreeMap<String, String>) -> Vec<(String, String)> {
    map.clone().into_iter().collect()
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_ARBITRARY_BYTES))]
    #[test]
    fn arbitrary_bytes_are_refused_clearly(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Err(err) = parse(&body) {
            assert_clear_refusal(err)?;
        }
    }
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_MUTATED_FIXTURE))]
    #[test]
    fn mutated_webhooks_parse_or_are_refused_clearly(edits in prop::collection::vec(edit(), 1..8)) {
        let mut body = FIRING.as_bytes().to_vec();
        edits.iter().for_each(|e| apply(&mut body, e));
        if let Err(err) = parse(&body) {
            assert_clear_refusal(err)?;
        }
    }
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_ANY_FIELD_REPLACED))]
    #[test]
    fn any_json_in_any_field_parses_or_is_refused_clearly(
        pointer in select(&FIELDS[..]),
        value in json_value(),
    ) {
        let body = with_field(pointer, value).to_string();
        if let Err(err) = parse(body.as_bytes()) {
            assert_clear_refusal(err)?;
        }
    }
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_DEEP_JSON))]
    /// The wire types never recurse into nesting: a deep value is refused at its first bracket
    /// where a field is expected, and skipped (without recursion) where none is.
    #[test]
    fn deep_json_is_refused_or_skipped_without_recursion(
        shape in prop::collection::vec(any::<bool>(), 1..20_000),
        pointer in select(&FIELDS[..]),
    ) {
        let deep = nested(&shape);
        assert_clear_refusal(parse(deep.as_bytes()).unwrap_err())?;
        match parse(with_raw(pointer, &deep).as_bytes()) {
            Ok(hook) => {
                prop_assert_eq!(pointer, "/unknown");
                prop_assert_eq!(hook.alerts[0].labels.len(), 3);
            }
            Err(err) => {
                prop_assert_ne!(pointer, "/unknown");
                assert_clear_refusal(err)?;
            }
        }
    }
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_HUGE_LABEL_SETS))]
    #[test]
    fn label_sets_up_to_the_limit_keep_every_label(
        alerts in prop::collection::vec(
            (labels(MAX_LABELS + 1), labels(40), hostile_text(4)),
            1..4,
        ),
        group_labels in labels(40),
        common_annotations in labels(40),
        receiver in maybe_long_text(2000),
        group_key in maybe_long_text(2000),
    ) {
        let mut body = fixture();
        let template = body["alerts"][0].clone();
        body["alerts"] = alerts
            .iter()
            .map(|(labels, annotations, fingerprint)| {
                let mut alert = template.clone();
                alert["labels"] = json!(labels);
                alert["annotations"] = json!(annotations);
                alert["fingerprint"] = json!(format!("f{fingerprint}"));
                alert
            })
            .collect();
        body["groupLabels"] = json!(group_labels);
        body["commonAnnotations"] = json!(common_annotations);
        body["receiver"] = json!(receiver);
        body["groupKey"] = json!(group_key);
        let hook = parse(body.to_string().as_bytes())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(hook.alerts.len(), alerts.len());
        for (alert, (labels, annotations, fingerprint)) in hook.alerts.iter().zip(&alerts) {
            prop_assert_eq!(&alert.labels, &pairs(labels));
            prop_assert_eq!(&alert.annotations, &pairs(annotations));
            prop_assert_eq!(&alert.fingerprint, &format!("f{fingerprint}"));
        }
        prop_assert_eq!(hook.group_labels, pairs(&group_labels));
        prop_assert_eq!(hook.common_annotations, pairs(&common_annotations));
        prop_assert_eq!(hook.receiver, receiver);
        prop_assert_eq!(hook.group_key, group_key);
    }
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_OVER_THE_LIMITS))]
    /// An alert with too many labels or annotations, or a value too long, is refused in one
    /// line that names the alert and the field.
    #[test]
    fn alerts_over_the_limits_are_refused_naming_them(
        too_many in any::<bool>(),
        field in select(vec!["labels", "annotations"]),
        over in 1..50usize,
        fingerprint in hostile_text(4),
    ) {
        let mut body = fixture();
        let mut alert = body["alerts"][0].clone();
        alert["fingerprint"] = json!(format!("f{fingerprint}"));
        if too_many {
            let set: BTreeMap<String, String> =
                (0..MAX_LABELS + over).map(|n| (format!("n{n}"), "v".into())).collect();
            alert[field] = json!(set);
        } else {
            alert[field]["big"] = json!("x".repeat(MAX_VALUE_BYTES + over));
        }
        body["alerts"].as_array_mut().unwrap().push(alert);
        let err = parse(body.to_string().as_bytes()).unwrap_err();
        let line = err.to_string();
        prop_assert!(line.starts_with("alerts[1] (fingerprint "), "{}", line);
        prop_assert!(line.contains(&format!("): {field}")), "{}", line);
        assert_clear_refusal(err)?;
    }
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_ESCAPED_UNICODE))]
    #[test]
    fn escaped_unicode_labels_arrive_decoded(
        name in prop::collection::vec(hostile_char(), 0..40),
        value in prop::collection::vec(hostile_char(), 0..200),
    ) {
        let (name, value): (String, String) = (name.iter().collect(), value.iter().collect());
        let labels = format!("{{{}:{}}}", all_escaped(&name), all_escaped(&value));
        let hook = parse(with_raw("/alerts/0/labels", &labels).as_bytes())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&hook.alerts[0].labels, &vec![(name, value)]);
    }
}

proptest! {
    #![proptest_config(config(cases::WEBHOOK_LONE_SURROGATES))]
    #[test]
    fn lone_surrogates_are_refused_clearly(
        surrogate in 0xD800u32..=0xDFFF,
        before in hostile_text(6),
        after in hostile_text(6),
        in_name in any::<bool>(),
    ) {
        // serde_json never writes a surrogate escape, so the one added stays alone.
        let lone = format!("\"{}\\u{surrogate:04x}{}\"", json_inner(&before), json_inner(&after));
        let labels = if in_name {
            format!("{{{lone}:\"v\"}}")
        } else {
            format!("{{\"k\":{lone}}}")
        };
        let err = parse(with_raw("/alerts/0/labels", &labels).as_bytes()).unwrap_err();
        prop_assert_eq!(err.reason(), "bad_json");
        assert_clear_refusal(err)?;
    }
}
