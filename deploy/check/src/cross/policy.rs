//! Cluster-wide rules: in-cluster URLs, security contexts, resources, images and disruption
//! budgets.

use super::*;

impl Folder {
    /// An `http://name[:port]` URL whose host has no dot (in a container's command, args or
    /// env, a SpinApp variable, or a SpinApp's runtime config) is a Service of this namespace:
    /// it must be one of this folder (or the one SpinKube makes for a SpinApp: same name,
    /// port 80), on one of its ports.
    pub fn check_cluster_urls(&self) -> Vec<String> {
        let mut services: BTreeMap<String, Vec<i32>> = BTreeMap::new();
        for item in &self.items {
            match &item.object {
                Object::Service(s) => {
                    let ports = s.spec.iter().flat_map(|s| s.ports.iter().flatten());
                    services.insert(
                        s.metadata.name.clone().unwrap_or_default(),
                        ports.map(|p| p.port).collect(),
                    );
                }
                Object::SpinApp(app) => {
                    let name = app.metadata.name.clone().unwrap_or_default();
                    services.insert(name, vec![spinapp::HTTP_PORT]);
                }
                _ => {}
            }
        }
        let mut texts: Vec<(String, String)> = Vec::new();
        for workload in self.workloads() {
            for container in containers(workload.template) {
                let at = workload.container_at(container);
                for text in container.command.iter().chain(&container.args).flatten() {
                    texts.push((at.clone(), text.clone()));
                }
                for var in container.env.iter().flatten() {
                    if let Some(value) = &var.value {
                        texts.push((format!("{at} env {}", var.name), value.clone()));
                    }
                }
            }
        }
        for (item, app) in self.spin_apps() {
            for var in app.spec.variables.iter().flatten() {
                if let Some(value) = &var.value {
                    texts.push((
                        format!("{}: variable {}", item.at(), var.name),
                        value.clone(),
                    ));
                }
            }
            // The runtime config's libSQL servers: its URL strings (comments left out).
            let secret = app.spec.runtime_config.as_ref();
            let secret = secret.and_then(|r| r.load_from_secret.as_ref());
            let config = secret.and_then(|name| self.secret_text(name, "runtime-config.toml"));
            let config = config.and_then(|text| toml::from_str::<toml::Table>(&text).ok());
            if let (Some(name), Some(config)) = (secret, config) {
                let at = format!("{}: Secret {name} runtime-config.toml", item.at());
                for url in toml_strings(&toml::Value::Table(config), "url") {
                    texts.push((at.clone(), url));
                }
            }
        }
        let mut problems = Vec::new();
        for (at, text) in texts {
            for (url, host, port) in urls(&text) {
                if host.contains('.') || host == "localhost" || host.starts_with('[') {
                    continue;
                }
                match services.get(&host) {
                    None => problems.push(format!(
                        "{at}: {url} names Service {host}, which this folder does not define \
                         (use a full name, host.namespace.svc, for another namespace)"
                    )),
                    Some(ports) if !ports.contains(&port) => problems.push(format!(
                        "{at}: {url} uses port {port} of Service {host}, which has {ports:?}"
                    )),
                    _ => {}
                }
            }
        }
        problems
    }

    /// Every container runs as non-root, on a read-only root filesystem, without privilege
    /// escalation or capabilities, under the runtime's seccomp profile.
    pub fn check_security(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            let pod = workload
                .template
                .spec
                .as_ref()
                .and_then(|s| s.security_context.as_ref());
            for container in containers(workload.template) {
                let own = container.security_context.as_ref();
                let mut missing = Vec::new();
                let non_root = own
                    .and_then(|c| c.run_as_non_root)
                    .or(pod.and_then(|p| p.run_as_non_root));
                let user = own
                    .and_then(|c| c.run_as_user)
                    .or(pod.and_then(|p| p.run_as_user));
                if non_root != Some(true) || user == Some(0) {
                    missing.push("runAsNonRoot: true (and a user other than 0)");
                }
                if own.and_then(|c| c.read_only_root_filesystem) != Some(true) {
                    missing.push("readOnlyRootFilesystem: true");
                }
                if own.and_then(|c| c.allow_privilege_escalation) != Some(false) {
                    missing.push("allowPrivilegeEscalation: false");
                }
                let drops_all = own
                    .and_then(|c| c.capabilities.as_ref())
                    .and_then(|c| c.drop.as_ref())
                    .is_some_and(|d| d.iter().any(|c| c == "ALL"));
                if !drops_all {
                    missing.push("capabilities.drop: [ALL]");
                }
                let seccomp = own
                    .and_then(|c| c.seccomp_profile.as_ref())
                    .or(pod.and_then(|p| p.seccomp_profile.as_ref()))
                    .map(|s| s.type_.as_str());
                if !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
                    missing.push("seccompProfile.type: RuntimeDefault");
                }
                if !missing.is_empty() {
                    problems.push(format!(
                        "{}: securityContext lacks {}",
                        workload.container_at(container),
                        missing.join(", ")
                    ));
                }
            }
        }
        problems
    }

    /// Every container (and SpinApp) requests CPU and memory and has a memory limit.
    pub fn check_resources(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |at: String,
                         requests: Option<&BTreeMap<String, _>>,
                         limits: Option<&BTreeMap<String, _>>| {
            let has =
                |map: Option<&BTreeMap<String, _>>, key| map.is_some_and(|m| m.contains_key(key));
            let mut missing = Vec::new();
            for key in ["cpu", "memory"] {
                if !has(requests, key) {
                    missing.push(format!("requests.{key}"));
                }
            }
            if !has(limits, "memory") {
                missing.push("limits.memory".to_owned());
            }
            if !missing.is_empty() {
                problems.push(format!("{at}: resources lack {}", missing.join(", ")));
            }
        };
        for workload in self.workloads() {
            for container in containers(workload.template) {
                let resources = container.resources.as_ref();
                check(
                    workload.container_at(container),
                    resources.and_then(|r| r.requests.as_ref()),
                    resources.and_then(|r| r.limits.as_ref()),
                );
            }
        }
        for (item, app) in self.spin_apps() {
            let resources = app.spec.resources.as_ref();
            check(
                item.at(),
                resources.and_then(|r| r.requests.as_ref()),
                resources.and_then(|r| r.limits.as_ref()),
            );
        }
        problems
    }

    /// Every image has a tag (or digest) and no registry host: the manifests carry
    /// placeholders (`alertgraph:0.1.0`) that a user replaces with their registry's reference.
    pub fn check_images(&self) -> Vec<String> {
        let mut images: Vec<(String, String)> = Vec::new();
        for workload in self.workloads() {
            for container in containers(workload.template) {
                let at = workload.container_at(container);
                images.push((at, container.image.clone().unwrap_or_default()));
            }
        }
        for (item, app) in self.spin_apps() {
            images.push((item.at(), app.spec.image.clone()));
        }
        images
            .into_iter()
            .filter_map(|(at, image)| {
                image_problem(&image).map(|why| format!("{at}: image {image:?}: {why}"))
            })
            .collect()
    }

    /// Every PodDisruptionBudget selects the pods of a Deployment, StatefulSet or SpinApp of
    /// the folder (a SpinApp's pods carry its podLabels and the operator's labels), and lets
    /// at least one of them go: a budget that allows no eviction makes every node drain hang.
    pub fn check_disruption_budgets(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for item in &self.items {
            let Object::PodDisruptionBudget(budget) = &item.object else {
                continue;
            };
            let spec = budget.spec.clone().unwrap_or_default();
            let selector = spec.selector.as_ref().and_then(|s| s.match_labels.clone());
            let selector = selector.unwrap_or_default();
            if selector.is_empty() {
                problems.push(format!(
                    "{}: no selector.matchLabels: it would cover every pod of the namespace",
                    item.at()
                ));
                continue;
            }
            let mut pods: Vec<(String, i32)> = Vec::new();
            for workload in self.workloads() {
                if workload.selector.is_some() && subset(&selector, labels(workload.template)) {
                    let replicas = workload.replicas.unwrap_or(1);
                    pods.push((workload.item.label.clone(), replicas));
                }
            }
            for (app_item, app) in self.spin_apps() {
                if subset(&selector, &spinapp::pod_labels(app)) {
                    let replicas = app.spec.replicas.unwrap_or(1);
                    pods.push((app_item.label.clone(), replicas));
                }
            }
            if pods.is_empty() {
                problems.push(format!(
                    "{}: selector {selector:?} matches the pods of no Deployment, StatefulSet \
                     or SpinApp in this folder (a SpinApp's pods carry its podLabels and {})",
                    item.at(),
                    spinapp::APP_NAME_LABEL
                ));
                continue;
            }
            let total: i32 = pods.iter().map(|(_, n)| n).sum();
            let owners: Vec<&str> = pods.iter().map(|(label, _)| label.as_str()).collect();
            let blocks = match (&spec.min_available, &spec.max_unavailable) {
                (Some(_), Some(_)) => {
                    problems.push(format!(
                        "{}: sets both minAvailable and maxUnavailable (the API refuses it)",
                        item.at()
                    ));
                    continue;
                }
                (None, None) => {
                    problems.push(format!(
                        "{}: sets neither minAvailable nor maxUnavailable",
                        item.at()
                    ));
                    continue;
                }
                (Some(IntOrString::Int(n)), None) => *n >= total,
                (Some(IntOrString::String(p)), None) => p == "100%",
                (None, Some(IntOrString::Int(n))) => *n < 1,
                (None, Some(IntOrString::String(p))) => p.trim_end_matches('%') == "0",
            };
            if blocks {
                problems.push(format!(
                    "{}: lets none of the {total} pods of {} be evicted: a node drain would \
                     wait for ever; keep minAvailable below the replicas",
                    item.at(),
                    owners.join(", ")
                ));
            }
        }
        problems
    }
}
