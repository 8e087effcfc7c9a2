//! The highly-available variants against the manifests they vary: `host-ha/` is `host/`, and
//! `spinkube-ha/` is `spinkube/`, but for what makes them highly available. An edit made to
//! one and not to the other shows up by its JSON path; files the variants copy must stay
//! copies.

use std::path::Path;

use serde_json::Value;

use crate::cross::Folder;
use crate::schema::{first_item_difference, join_key, to_json, Object};

/// Env vars only the HA host sets: the libSQL server and its token.
pub const HA_HOST_ENV: [&str; 2] = ["DB_CONNECTION_STRING", "LIBSQL_AUTH_TOKEN"];

/// The HA host Deployment is the single one but for `replicas`, `strategy`, the pods'
/// `affinity`, their volumes (no claim: the database is on the server) and the env vars of
/// [`HA_HOST_ENV`]; its containers mount the same paths.
pub fn host_ha_matches(single: &Folder, ha: &Folder) -> Result<(), String> {
    let name = "Deployment alertgraph";
    let normalize = |mut value: Value| {
        let spec = &mut value["spec"];
        remove(spec, &["replicas", "strategy"]);
        let pod = &mut spec["template"]["spec"];
        remove(pod, &["affinity", "volumes"]);
        if let Some(containers) = pod["containers"].as_array_mut() {
            for container in containers {
                // The same paths, whatever backs them.
                let paths: Vec<Value> = container["volumeMounts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| m["mountPath"].clone())
                    .collect();
                container["volumeMounts"] = Value::Array(paths);
                if let Some(env) = container["env"].as_array_mut() {
                    env.retain(|var| !HA_HOST_ENV.contains(&var["name"].as_str().unwrap_or("")));
                }
            }
        }
        value
    };
    let single = normalize(object(single, name)?);
    let ha = normalize(object(ha, name)?);
    match first_change(&single, &ha, "") {
        Some(change) => Err(format!("{name}: host-ha/ differs from host/ at {change}")),
        None => Ok(()),
    }
}

/// The HA SpinApp is the single one but for `replicas`, `podLabels` and its volumes (the
/// database is on the server named by its runtime config).
pub fn spinkube_ha_matches(single: &Folder, ha: &Folder) -> Result<(), String> {
    let name = "SpinApp alertgraph";
    let normalize = |mut value: Value| {
        remove(
            &mut value["spec"],
            &["replicas", "podLabels", "volumes", "volumeMounts"],
        );
        value
    };
    let single = normalize(object(single, name)?);
    let ha = normalize(object(ha, name)?);
    match first_change(&single, &ha, "") {
        Some(change) => Err(format!(
            "{name}: spinkube-ha/ differs from spinkube/ at {change}"
        )),
        None => Ok(()),
    }
}

/// Each of `files` (relative to `dir`) has the same text in `variant` as in `base`.
pub fn copies(dir: &Path, base: &str, variant: &str, files: &[&str]) -> Result<(), String> {
    for file in files {
        let read = |folder: &str| {
            let path = dir.join(folder).join(file);
            std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))
        };
        if read(base)? != read(variant)? {
            return Err(format!(
                "{variant}/{file} is no longer a copy of {base}/{file}: make the same edit to both"
            ));
        }
    }
    Ok(())
}

/// The object labelled `Kind name` in `folder`, as JSON.
fn object(folder: &Folder, label: &str) -> Result<Value, String> {
    let item = folder
        .items
        .iter()
        .find(|item| item.label == label)
        .ok_or_else(|| format!("no {label} in the folder"))?;
    let value = match &item.object {
        Object::Deployment(d) => to_json(d),
        Object::SpinApp(app) => to_json(app),
        _ => return Err(format!("{label}: not a Deployment or SpinApp")),
    };
    value.map_err(|e| format!("{label}: {e}"))
}

/// A non-empty list whose items all have a `name`.
fn named(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|v| v["name"].is_string())
}

fn remove(value: &mut Value, keys: &[&str]) {
    if let Some(map) = value.as_object_mut() {
        for key in keys {
            map.remove(*key);
        }
    }
}

/// Where `variant` first differs from `base`: `path: X in the base, Y in the variant`.
pub fn first_change(base: &Value, variant: &Value, path: &str) -> Option<String> {
    let at = if path.is_empty() {
        "(the object)"
    } else {
        path
    };
    match (base, variant) {
        (Value::Object(a), Value::Object(b)) => {
            let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
            keys.into_iter().find_map(|key| {
                let child = join_key(path, key);
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_change(x, y, &child),
                    (Some(x), None) => {
                        Some(format!("{child}: {x} in the base, unset in the variant"))
                    }
                    (None, Some(y)) => {
                        Some(format!("{child}: unset in the base, {y} in the variant"))
                    }
                    (None, None) => None,
                }
            })
        }
        // Lists of named items (env vars, containers, ports): by name.
        (Value::Array(a), Value::Array(b)) if named(a) && named(b) => {
            let name = |v: &Value| v["name"].as_str().unwrap_or("").to_owned();
            let find =
                |list: &[Value], wanted: &str| list.iter().find(|v| name(v) == wanted).cloned();
            let names = a.iter().map(name).chain(b.iter().map(name));
            names.into_iter().find_map(|n| {
                let child = format!("{path}[name={n}]");
                match (find(a, &n), find(b, &n)) {
                    (Some(x), Some(y)) => first_change(&x, &y, &child),
                    (Some(_), None) => Some(format!("{child}: in the base, not in the variant")),
                    (None, _) => Some(format!("{child}: in the variant, not in the base")),
                }
            })
        }
        (Value::Array(a), Value::Array(b)) => {
            first_item_difference(a, b, path, first_change, |n, m| {
                format!("{at}: {n} items in the base, {m} in the variant")
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some(format!("{at}: {a} in the base, {b} in the variant")),
    }
}
