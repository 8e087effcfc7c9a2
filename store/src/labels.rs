//! Label sets as canonical JSON objects: keys sorted and unique, so equal sets are equal text
//! (counter keys) and SQLite's `json_each` can filter on them.

use crate::api::{LabelSet, StoreError};
use crate::errors::corrupt;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A label set from borrowed pairs, in the given order.
pub fn from_pairs(pairs: &[(&str, &str)]) -> LabelSet {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Encode as a JSON object with sorted keys; for a repeated name the last value wins.
pub fn to_json(labels: &LabelSet) -> String {
    let sorted: BTreeMap<&str, &str> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    serde_json::to_string(&sorted).expect("a map of strings always serialises")
}

/// Decode what [`to_json`] wrote, sorted by name.
pub fn from_json(json: &str) -> Result<LabelSet, StoreError> {
    let map: Map<String, Value> =
        serde_json::from_str(json).map_err(|e| corrupt(&format!("label JSON: {e}")))?;
    let mut labels = map
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(v) => Ok((k, v)),
            other => Err(corrupt(&format!("label {k} is not a string: {other}"))),
        })
        .collect::<Result<LabelSet, _>>()?;
    // serde_json's map order depends on a cargo feature; sort so output never does.
    labels.sort();
    Ok(labels)
}

/// The value of one label, if present.
pub fn get<'a>(labels: &'a LabelSet, name: &str) -> Option<&'a str> {
    labels
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_round_trip() {
        let labels = from_pairs(&[
            ("service", "checkout"),
            ("alertname", "High\"Error"),
            ("severity", "page"),
        ]);
        let json = to_json(&labels);
        assert_eq!(
            json,
            r#"{"alertname":"High\"Error","service":"checkout","severity":"page"}"#
        );
        assert_eq!(
            from_json(&json).unwrap(),
            from_pairs(&[
                ("alertname", "High\"Error"),
                ("service", "checkout"),
                ("severity", "page")
            ])
        );
        assert_eq!(
            to_json(&from_pairs(&[("b", "1"), ("a", "2")])),
            to_json(&from_pairs(&[("a", "2"), ("b", "1")]))
        );
    }

    #[test]
    fn repeated_names_keep_the_last_value() {
        let labels = from_pairs(&[("a", "1"), ("a", "2")]);
        assert_eq!(to_json(&labels), r#"{"a":"2"}"#);
        assert_eq!(get(&labels, "a"), Some("2"));
        assert_eq!(get(&labels, "b"), None);
        assert_eq!(to_json(&from_pairs(&[])), "{}");
    }

    #[test]
    fn rejects_non_string_values() {
        assert!(from_json(r#"{"a":1}"#).is_err());
        assert!(from_json("[]").is_err());
    }
}
