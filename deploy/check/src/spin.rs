//! The Spin manifests against each other and against the code: SpinKube's manifest is the
//! local one composed (nothing else may drift), the component gets every variable the code
//! reads, and every app variable is one of the host's settings or a documented Spin-only one.

use std::collections::{BTreeMap, BTreeSet};

/// Read by the code but set only by the embedded host: each process's own outbox lease id
/// (under Spin every replica shares the empty one), and its per-request time limit (Spin does
/// not say its own, so the drain keeps its defaults).
pub const HOST_ONLY: [&str; 2] = ["lease_owner", "instance_time_limit_ms"];

/// App variables with no host setting of the same name: Spin's `allowed_outbound_hosts`
/// takes origins only, so Slack's origin and Prometheus' base path are separate variables.
pub const SPIN_ONLY: [&str; 2] = ["slack_origin", "prometheus_path"];

/// The table of the component called `alertgraph`.
fn component(manifest: &toml::Table) -> Result<&toml::Table, String> {
    manifest
        .get("component")
        .and_then(|c| c.get("alertgraph"))
        .and_then(toml::Value::as_table)
        .ok_or_else(|| "no [component.alertgraph]".to_owned())
}

fn parse(name: &str, text: &str) -> Result<toml::Table, String> {
    text.parse::<toml::Table>()
        .map_err(|e| format!("{name}: not TOML: {e}"))
}

/// `spinkube` must be `local` but for the component's source, build and dependencies (the
/// composed artifact replaces them); the first difference is named.
pub fn same_app(local: &str, spinkube: &str) -> Result<(), String> {
    let strip = |name: &str, text: &str| -> Result<toml::Table, String> {
        let mut manifest = parse(name, text)?;
        let component = manifest
            .get_mut("component")
            .and_then(|c| c.get_mut("alertgraph"))
            .and_then(toml::Value::as_table_mut)
            .ok_or_else(|| format!("{name}: no [component.alertgraph]"))?;
        for key in [
            "source",
            "build",
            "dependencies",
            "dependencies_inherit_configuration",
        ] {
            component.remove(key);
        }
        Ok(manifest)
    };
    let local = strip("spin.toml", local)?;
    let spinkube = strip("deploy/spinkube/spin.toml", spinkube)?;
    first_difference(
        "",
        &toml::Value::Table(local),
        &toml::Value::Table(spinkube),
    )
    .map_or(Ok(()), |at| {
        Err(format!(
            "deploy/spinkube/spin.toml differs from spin.toml at {at}"
        ))
    })
}

fn first_difference(at: &str, a: &toml::Value, b: &toml::Value) -> Option<String> {
    let here = || {
        if at.is_empty() {
            "the top".to_owned()
        } else {
            at.to_owned()
        }
    };
    match (a, b) {
        (toml::Value::Table(a), toml::Value::Table(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|key| {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(&path, x, y),
                    _ => Some(path),
                }
            })
        }
        (toml::Value::Array(a), toml::Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(&format!("{at}[{i}]"), x, y)),
        _ => (a != b).then(here),
    }
}

/// The Spin variables read by the components' sources: `optional("…")` (the handler's
/// config) and `variables::get("…")` (the renderer's sidecar client).
pub fn variables_read(sources: &[&str]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for source in sources {
        for call in ["optional(\"", "variables::get(\""] {
            for (i, _) in source.match_indices(call) {
                if let Some((name, _)) = source[i + call.len()..].split_once('"') {
                    names.insert(name.to_owned());
                }
            }
        }
    }
    names
}

/// `[component.alertgraph.variables]` gives the component exactly what the code reads, but
/// the [`HOST_ONLY`] ones: a variable missing there is silently unset under Spin.
pub fn component_gets_what_the_code_reads(
    manifest: &str,
    read: &BTreeSet<String>,
) -> Result<(), String> {
    let manifest = parse("spin.toml", manifest)?;
    let given: BTreeSet<String> = component(&manifest)?
        .get("variables")
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    let needed: BTreeSet<String> = read
        .iter()
        .filter(|name| !HOST_ONLY.contains(&name.as_str()))
        .cloned()
        .collect();
    if let Some(missing) = needed.difference(&given).next() {
        return Err(format!(
            "spin.toml: the code reads the variable {missing}, which [component.alertgraph.variables] does not give"
        ));
    }
    if let Some(unused) = given.difference(&needed).next() {
        return Err(format!(
            "spin.toml: [component.alertgraph.variables] gives {unused}, which no code reads"
        ));
    }
    Ok(())
}

/// Every app variable is a host setting (the README's name, lower-cased) or one of
/// [`SPIN_ONLY`], which the README must mention.
pub fn app_variables_are_settings(
    manifest: &str,
    host_settings: &BTreeMap<String, Option<String>>,
    readme: &str,
) -> Result<(), String> {
    let manifest = parse("spin.toml", manifest)?;
    let variables = manifest
        .get("variables")
        .and_then(toml::Value::as_table)
        .ok_or("spin.toml: no [variables]")?;
    for name in variables.keys() {
        if SPIN_ONLY.contains(&name.as_str()) {
            if !readme.contains(&format!("`{name}`")) {
                return Err(format!(
                    "spin.toml: the Spin-only variable {name} is not explained in the README"
                ));
            }
        } else if !host_settings.contains_key(&name.to_uppercase()) {
            return Err(format!(
                "spin.toml: the variable {name} is no host setting ({} is not in the README's Configuration table)",
                name.to_uppercase()
            ));
        }
    }
    Ok(())
}
