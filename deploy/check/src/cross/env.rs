//! Environment, variables and Secrets: names the code reads, `$(NAME)` references, Secret and
//! ConfigMap keys, Spin variables, and secrets that must be set, shared or not left as placeholders.

use super::*;

impl Folder {
    /// Every env var of the host's container is a setting of the README's Configuration
    /// table, every one of the renderer's a setting the sidecar reads; none is set twice.
    pub fn check_env_names(&self, project: &Project) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            for container in containers(workload.template) {
                let mut seen = BTreeSet::new();
                let program = container.image.as_deref().and_then(program);
                for var in container.env.iter().flatten() {
                    if !seen.insert(var.name.as_str()) {
                        problems.push(format!(
                            "{}: env {} is set twice",
                            workload.container_at(container),
                            var.name
                        ));
                    }
                    let known = match program {
                        Some(Program::Host) => project.host_settings.contains_key(&var.name),
                        Some(Program::Renderer) => project.renderer_settings.contains(&var.name),
                        Some(Program::Sqld) | None => true,
                    };
                    if !known {
                        let whose = match program {
                            Some(Program::Host) => {
                                "the alertgraph host (README's Configuration table)"
                            }
                            _ => "the renderer sidecar (renderer/sidecar/src)",
                        };
                        problems.push(format!(
                            "{}: env {} is not a setting of {whose}",
                            workload.container_at(container),
                            var.name
                        ));
                    }
                }
            }
        }
        problems
    }

    /// `$(NAME)` in command, args or env values names an env var defined before it in the
    /// same container; Kubernetes leaves any other one as it is, literally.
    pub fn check_env_references(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            for container in containers(workload.template) {
                let env: Vec<&str> = container
                    .env
                    .iter()
                    .flatten()
                    .map(|v| v.name.as_str())
                    .collect();
                let mut texts: Vec<(String, &str, usize)> = Vec::new();
                for (field, list) in [("command", &container.command), ("args", &container.args)] {
                    for (i, text) in list.iter().flatten().enumerate() {
                        texts.push((format!("{field}[{i}]"), text, env.len()));
                    }
                }
                for (i, var) in container.env.iter().flatten().enumerate() {
                    if let Some(value) = &var.value {
                        texts.push((format!("env {}", var.name), value, i));
                    }
                }
                for (field, text, defined_before) in texts {
                    for name in references(text) {
                        if !env[..defined_before].contains(&name) {
                            problems.push(format!(
                                "{}: {field} uses $({name}), which is not an env \
                                 var defined before it in this container",
                                workload.container_at(container)
                            ));
                        }
                    }
                }
            }
        }
        problems
    }

    /// Every Secret (and key) and ConfigMap (and key) that something takes a value from is
    /// defined in this folder, unless the reference is optional.
    pub fn check_secret_refs(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for reference in self.references() {
            let keys = self.keys_of(reference.kind, &reference.name);
            let kind = match reference.kind {
                RefKind::Secret => "Secret",
                RefKind::ConfigMap => "ConfigMap",
            };
            match (keys, &reference.key) {
                _ if reference.optional => {}
                (None, _) => problems.push(format!(
                    "{}: {}: {kind} {:?} is not defined in this folder",
                    reference.at, reference.field, reference.name
                )),
                (Some(keys), Some(key)) if !keys.contains(key) => problems.push(format!(
                    "{}: {}: {kind} {} has no key {key:?} (it has {keys:?})",
                    reference.at, reference.field, reference.name
                )),
                _ => {}
            }
        }
        problems
    }

    /// The keys a Secret or ConfigMap called `name` defines; None when there is none.
    pub(super) fn keys_of(&self, kind: RefKind, name: &str) -> Option<BTreeSet<String>> {
        self.items.iter().find_map(|item| {
            let (metadata, maps) = match (&item.object, kind) {
                (Object::Secret(s), RefKind::Secret) => {
                    (&s.metadata, [key_names(&s.data), key_names(&s.string_data)])
                }
                (Object::ConfigMap(c), RefKind::ConfigMap) => {
                    (&c.metadata, [key_names(&c.data), key_names(&c.binary_data)])
                }
                _ => return None,
            };
            (metadata.name.as_deref() == Some(name)).then(|| maps.into_iter().flatten().collect())
        })
    }

    /// The text of a Secret's key (from stringData or data).
    pub(super) fn secret_text(&self, name: &str, key: &str) -> Option<String> {
        self.items.iter().find_map(|item| match &item.object {
            Object::Secret(s) if s.metadata.name.as_deref() == Some(name) => s
                .string_data
                .as_ref()
                .and_then(|d| d.get(key).cloned())
                .or_else(|| {
                    s.data
                        .as_ref()
                        .and_then(|d| d.get(key))
                        .map(|b| String::from_utf8_lossy(&b.0).into_owned())
                }),
            _ => None,
        })
    }

    /// Every place a value is taken from a Secret or ConfigMap.
    pub(super) fn references(&self) -> Vec<Reference> {
        let mut refs = References::default();
        for workload in self.workloads() {
            let at = workload.item.at();
            for container in containers(workload.template) {
                for var in container.env.iter().flatten() {
                    let field = format!("container {} env {}", container.name, var.name);
                    refs.value_from(&at, &field, var.value_from.as_ref());
                }
                for from in container.env_from.iter().flatten() {
                    let field = format!("container {} envFrom", container.name);
                    if let Some(s) = &from.secret_ref {
                        refs.add(&at, &field, RefKind::Secret, &s.name, None, s.optional);
                    }
                    if let Some(c) = &from.config_map_ref {
                        refs.add(&at, &field, RefKind::ConfigMap, &c.name, None, c.optional);
                    }
                }
            }
            let spec = workload.template.spec.as_ref();
            for volume in spec.and_then(|s| s.volumes.as_ref()).into_iter().flatten() {
                refs.volume(&at, volume);
            }
        }
        for (item, app) in self.spin_apps() {
            let at = item.at();
            for var in app.spec.variables.iter().flatten() {
                let field = format!("variable {}", var.name);
                refs.value_from(&at, &field, var.value_from.as_ref());
            }
            if let Some(runtime) = &app.spec.runtime_config {
                if let Some(secret) = &runtime.load_from_secret {
                    let field = "runtimeConfig.loadFromSecret";
                    let key = Some("runtime-config.toml");
                    refs.add(&at, field, RefKind::Secret, secret, key, None);
                }
                let stores = runtime.sqlite_databases.iter().flatten();
                let stores = stores.chain(runtime.key_value_stores.iter().flatten());
                let options = stores.flat_map(|s| s.options.iter().flatten());
                let llm = runtime.llm_compute.iter();
                for option in options.chain(llm.flat_map(|l| l.options.iter().flatten())) {
                    let field = format!("runtimeConfig option {}", option.name);
                    refs.value_from(&at, &field, option.value_from.as_ref());
                }
            }
            for volume in app.spec.volumes.iter().flatten() {
                refs.volume(&at, volume);
            }
        }
        refs.found
    }

    /// Every SpinApp variable is one of spin.toml's `[variables]`; one that spin.toml marks
    /// `secret = true` comes from a secretKeyRef; one used in `allowed_outbound_hosts` is an
    /// origin (Spin refuses a path there).
    pub fn check_spin_variables(&self, project: &Project) -> Vec<String> {
        let mut problems = Vec::new();
        for (item, app) in self.spin_apps() {
            let mut seen = BTreeSet::new();
            for var in app.spec.variables.iter().flatten() {
                let at = format!("{}: variable {}", item.at(), var.name);
                if !seen.insert(var.name.as_str()) {
                    problems.push(format!("{at}: is set twice"));
                }
                let Some(&secret) = project.spin.variables.get(&var.name) else {
                    problems.push(format!(
                        "{at}: is not in spin.toml's [variables] (known: {})",
                        project
                            .spin
                            .variables
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    continue;
                };
                let from_secret = var
                    .value_from
                    .as_ref()
                    .is_some_and(|s| s.secret_key_ref.is_some());
                if secret && !from_secret {
                    problems.push(format!(
                        "{at}: is secret in spin.toml, so it must come from a Secret \
                         (valueFrom.secretKeyRef), not a plain value"
                    ));
                }
                if project.spin.outbound_variables.contains(&var.name) {
                    if let Some(value) = &var.value {
                        if let Err(why) = origin(value) {
                            problems.push(format!(
                                "{at}: {value:?} goes into allowed_outbound_hosts, so it must be \
                                 an origin (scheme://host[:port]): {why}"
                            ));
                        }
                    }
                }
            }
        }
        problems
    }

    /// A token that two objects share by name (SpinApp variable `drain_token`, a container's
    /// env `DRAIN_TOKEN`) comes from the same Secret key in both, or they would not match.
    pub fn check_shared_secrets(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (app_item, app) in self.spin_apps() {
            for var in app.spec.variables.iter().flatten() {
                let Some(wanted) = var
                    .value_from
                    .as_ref()
                    .and_then(|s| s.secret_key_ref.as_ref())
                else {
                    continue;
                };
                let env_name = var.name.to_ascii_uppercase();
                for workload in self.workloads() {
                    for container in containers(workload.template) {
                        for env in container.env.iter().flatten() {
                            if env.name != env_name {
                                continue;
                            }
                            let got = env
                                .value_from
                                .as_ref()
                                .and_then(|s| s.secret_key_ref.as_ref());
                            if got.is_none_or(|g| g.name != wanted.name || g.key != wanted.key) {
                                problems.push(format!(
                                    "{}: env {env_name} must come from Secret {} \
                                     key {} like variable {} of {}, or the two differ",
                                    workload.container_at(container),
                                    wanted.name,
                                    wanted.key,
                                    var.name,
                                    app_item.label
                                ));
                            }
                        }
                    }
                }
            }
        }
        problems
    }

    /// A host setting the README's Configuration table calls secret comes from a Secret
    /// (`valueFrom.secretKeyRef`), never a plain value in the manifest.
    pub fn check_secret_settings(&self, project: &Project) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            for container in containers(workload.template) {
                if container.image.as_deref().and_then(program) != Some(Program::Host) {
                    continue;
                }
                for var in container.env.iter().flatten() {
                    let from_secret = var
                        .value_from
                        .as_ref()
                        .is_some_and(|s| s.secret_key_ref.is_some());
                    if project.host_secrets.contains(&var.name) && !from_secret {
                        problems.push(format!(
                            "{}: env {} is secret (README's Configuration table): \
                             take it from a Secret (valueFrom.secretKeyRef), not a plain value",
                            workload.container_at(container),
                            var.name
                        ));
                    }
                }
            }
        }
        problems
    }

    /// Secrets hold placeholders, never secrets: every `stringData` value is `change-me`
    /// (the README says to replace each), a runtime config's `token`s too, and nothing is in
    /// `data` (base64 hides what it holds).
    pub fn check_secret_placeholders(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for item in &self.items {
            let Object::Secret(secret) = &item.object else {
                continue;
            };
            let data = key_names(&secret.data);
            if !data.is_empty() {
                problems.push(format!(
                    "{}: data {data:?}: put placeholders in stringData (change-me), not data",
                    item.at()
                ));
            }
            for (key, value) in secret.string_data.iter().flatten() {
                let config = key
                    .ends_with(".toml")
                    .then(|| toml::from_str::<toml::Table>(value).ok())
                    .flatten();
                match config {
                    Some(config) => {
                        let tokens = toml_strings(&toml::Value::Table(config), "token");
                        if tokens.iter().any(|t| t != PLACEHOLDER) {
                            problems.push(format!(
                                "{}: stringData {key}: a token is not the placeholder \
                                 {PLACEHOLDER}: a real token in a manifest leaks",
                                item.at()
                            ));
                        }
                    }
                    // A .toml key that does not parse is check_runtime_config's to report.
                    None if key.ends_with(".toml") => {}
                    None if value != PLACEHOLDER => problems.push(format!(
                        "{}: stringData {key} is not the placeholder {PLACEHOLDER}: a real \
                         secret in a manifest leaks",
                        item.at()
                    )),
                    None => {}
                }
            }
        }
        problems
    }
}
