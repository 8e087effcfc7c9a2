//! Reading YAML documents into typed Kubernetes objects and back: the JSON written back must
//! equal the JSON read, so whatever the types drop (an unknown or misspelled field, a value
//! in the wrong place) or add (a required field left out) shows up as a difference, named
//! by its JSON path.

use std::path::Path;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spinapp::{self, SpinApp};

/// One YAML document of a file, as JSON.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The file, as given to [`read_documents`].
    pub file: String,
    /// 0-based position among the file's non-empty documents.
    pub index: usize,
    pub value: Value,
}

impl Doc {
    /// `Kind name` for messages, from the raw document.
    pub fn label(&self) -> String {
        let kind = self.value["kind"].as_str().unwrap_or("(no kind)");
        let name = self.value["metadata"]["name"]
            .as_str()
            .unwrap_or("(no metadata.name)");
        format!("{kind} {name}")
    }
}

/// Every non-empty document of a YAML file (`---` separated); empty ones are skipped.
pub fn read_documents(file: &str, text: &str) -> Result<Vec<Doc>, String> {
    let mut docs = Vec::new();
    for (position, de) in serde_norway::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(de)
            .map_err(|e| format!("{file}: document {}: not YAML: {e}", position + 1))?;
        if !value.is_null() {
            docs.push(Doc {
                file: file.to_owned(),
                index: docs.len(),
                value,
            });
        }
    }
    Ok(docs)
}

/// Every `.yaml`/`.yml` file below `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("reading {}: {e}", dir.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A document read into its type.
#[derive(Debug, Clone)]
pub enum Object {
    Deployment(Box<Deployment>),
    StatefulSet(Box<StatefulSet>),
    Service(Box<Service>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    Secret(Box<Secret>),
    ConfigMap(Box<ConfigMap>),
    CronJob(Box<CronJob>),
    Job(Box<Job>),
    PodDisruptionBudget(Box<PodDisruptionBudget>),
    SpinApp(Box<SpinApp>),
}

/// The kinds this checker knows, by `apiVersion` and `kind`.
pub const KNOWN_KINDS: [(&str, &str); 10] = [
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("batch/v1", "CronJob"),
    ("batch/v1", "Job"),
    ("policy/v1", "PodDisruptionBudget"),
    ("core.spinkube.dev/v1alpha1", "SpinApp"),
];

/// Reads `doc` into its type and checks the round trip and `metadata.name`; the error names
/// the file, the object and the JSON path.
pub fn check_document(doc: &Doc) -> Result<Object, String> {
    let fail = |why: String| {
        format!(
            "{} (document {}): {}: {why}",
            doc.file,
            doc.index + 1,
            doc.label()
        )
    };
    let object = read_object(&doc.value).map_err(fail)?;
    check_name(&doc.value).map_err(fail)?;
    Ok(object)
}

/// The typed object for the document's `apiVersion` and `kind`.
fn read_object(value: &Value) -> Result<Object, String> {
    let api_version = value["apiVersion"].as_str().unwrap_or("");
    let kind = value["kind"].as_str().unwrap_or("");
    match (api_version, kind) {
        ("apps/v1", "Deployment") => round_trip(value).map(Object::Deployment),
        ("apps/v1", "StatefulSet") => round_trip(value).map(Object::StatefulSet),
        ("v1", "Service") => round_trip(value).map(Object::Service),
        ("v1", "PersistentVolumeClaim") => round_trip(value).map(Object::PersistentVolumeClaim),
        ("v1", "Secret") => round_trip(value).map(Object::Secret),
        ("v1", "ConfigMap") => round_trip(value).map(Object::ConfigMap),
        ("batch/v1", "CronJob") => round_trip(value).map(Object::CronJob),
        ("batch/v1", "Job") => round_trip(value).map(Object::Job),
        ("policy/v1", "PodDisruptionBudget") => round_trip(value).map(Object::PodDisruptionBudget),
        ("core.spinkube.dev/v1alpha1", "SpinApp") => {
            let app = round_trip::<SpinApp>(value)?;
            match spinapp::rules(&app).into_iter().next() {
                Some(problem) => Err(problem),
                None => Ok(Object::SpinApp(app)),
            }
        }
        _ => Err(format!(
            "apiVersion {api_version:?} kind {kind:?} is not a kind this checker knows (add \
             it to schema.rs); known: {KNOWN_KINDS:?}"
        )),
    }
}

/// `metadata.name` is set and a DNS-1123 label (lowercase letters, digits, `-`), which every
/// name used here must be (a Service's name even becomes a host name).
fn check_name(value: &Value) -> Result<(), String> {
    let name = value["metadata"]["name"].as_str().unwrap_or("");
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "metadata.name: {name:?} is not a DNS-1123 label (lowercase letters, digits, '-')"
        ))
    }
}

/// Reads `value` as a `T` and writes it back; any difference is an error naming its path.
pub fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Box<T>, String> {
    // Through pretty-printed text, so that serde's error position (a line) gives a path.
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    let typed: T = serde_json::from_str(&text).map_err(|e| {
        let paths = line_paths(value);
        let path = e
            .line()
            .checked_sub(1)
            .and_then(|i| paths.get(i))
            .cloned()
            .unwrap_or_default();
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => &message[..i],
            None => &message,
        };
        format!("{}: {message}", display_path(&path))
    })?;
    let back = to_json(&typed).map_err(|e| format!("writing back: {e}"))?;
    match first_difference(value, &back, "") {
        Some(difference) => Err(difference),
        None => Ok(Box::new(typed)),
    }
}

/// `typed` as JSON without null members: this crate's types write an unset `Option` as
/// null, where a manifest (like k8s-openapi's types) leaves the field out.
pub fn to_json<T: Serialize>(typed: &T) -> Result<Value, serde_json::Error> {
    fn drop_nulls(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|_, member| !member.is_null());
                map.values_mut().for_each(drop_nulls);
            }
            Value::Array(items) => items.iter_mut().for_each(drop_nulls),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(typed)?;
    drop_nulls(&mut value);
    Ok(value)
}

/// The JSON path of each line of `serde_json::to_string_pretty(value)`: a member's first
/// line, and the closing bracket of an object or array, belong to that member.
pub fn line_paths(value: &Value) -> Vec<String> {
    fn walk(value: &Value, path: &str, out: &mut Vec<String>) {
        out.push(path.to_owned());
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, child) in map {
                    walk(child, &join_key(path, key), out);
                }
                out.push(path.to_owned());
            }
            Value::Array(items) if !items.is_empty() => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}[{i}]"), out);
                }
                out.push(path.to_owned());
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

/// `path.key`, or `path["key"]` for a key that is not a plain word (labels, annotations).
pub fn join_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, path.is_empty()) {
        (true, true) => key.to_owned(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{key:?}]"),
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "(the document)"
    } else {
        path
    }
}

/// Where `back` (written by the type) first differs from `original` (read from the file).
pub fn first_difference(original: &Value, back: &Value, path: &str) -> Option<String> {
    let at = display_path(path);
    match (original, back) {
        (Value::Object(a), Value::Object(b)) => {
            // The file's keys first: a misspelled field is reported as such, before the
            // required field it was meant to be.
            let in_file = a.iter().find_map(|(key, x)| {
                let child = join_key(path, key);
                match (x, b.get(key)) {
                    (x, Some(y)) => first_difference(x, y, &child),
                    (Value::Null, None) => Some(format!(
                        "{child}: has no value (give it one or remove the line)"
                    )),
                    (_, None) => Some(format!(
                        "{child}: is not a field here (misspelled, misplaced or unknown)"
                    )),
                }
            });
            in_file.or_else(|| {
                b.iter()
                    .find(|(key, _)| !a.contains_key(*key))
                    .map(|(key, y)| {
                        format!(
                            "{}: missing in the file; the type writes {y} (a required field?)",
                            join_key(path, key)
                        )
                    })
            })
        }
        (Value::Array(a), Value::Array(b)) => {
            first_item_difference(a, b, path, first_difference, |n, m| {
                format!("{at}: {n} items in the file, {m} after reading")
            })
        }
        // A Kubernetes quantity may be written as a number; it reads back as a string.
        (Value::Number(n), Value::String(s)) if *s == n.to_string() => None,
        (a, b) if a == b => None,
        (a, b) => Some(format!("{at}: {a} in the file reads back as {b}")),
    }
}

/// Where two lists first differ: item by item through `differ` (at `path[i]`) when they are
/// as long, else `lengths` of their two lengths.
pub fn first_item_difference(
    a: &[Value],
    b: &[Value],
    path: &str,
    differ: fn(&Value, &Value, &str) -> Option<String>,
    lengths: impl FnOnce(usize, usize) -> String,
) -> Option<String> {
    if a.len() != b.len() {
        return Some(lengths(a.len(), b.len()));
    }
    a.iter()
        .zip(b)
        .enumerate()
        .find_map(|(i, (x, y))| differ(x, y, &format!("{path}[{i}]")))
}

/// Plain (unquoted) values that YAML 1.1, which Kubernetes' YAML reader follows, takes for
/// booleans while this checker's YAML 1.2 reader takes them for strings (`value: yes`):
/// one message per line, to quote them.
pub fn yaml11_booleans(file: &str, text: &str) -> Vec<String> {
    const WORDS: [&str; 16] = [
        "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off",
        "OFF",
    ];
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with('#') {
            continue;
        }
        let mut value = line.strip_prefix("- ").unwrap_or(line);
        if let Some((_, after_key)) = value.split_once(": ") {
            value = after_key;
        } else if value.len() == line.len() {
            continue; // neither "key: value" nor "- value"
        }
        let value = value.split(" #").next().unwrap_or("").trim();
        if WORDS.contains(&value) {
            problems.push(format!(
                "{file}:{}: unquoted {value} is a boolean to Kubernetes (YAML 1.1): quote it",
                i + 1
            ));
        }
    }
    problems
}
