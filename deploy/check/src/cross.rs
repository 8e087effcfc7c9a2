//! Checks across the objects of one folder (the set applied together with
//! `kubectl apply -f <folder>`), and against the code: each function finds one kind of
//! mistake and returns one message per finding, naming the file and the object.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, Container, ContainerPort, EnvVarSource, PersistentVolumeClaim,
    PodTemplateSpec, Probe, SecretKeySelector, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::project::Project;
use crate::schema::{check_document, read_documents, Doc, Object};
use crate::spinapp::{self, RuntimeConfigVarSource, SpinApp, VarSource};

/// One object of a folder, with where it came from.
#[derive(Debug, Clone)]
pub struct Item {
    pub file: String,
    /// `Kind name`.
    pub label: String,
    pub object: Object,
}

impl Item {
    fn at(&self) -> String {
        format!("{}: {}", self.file, self.label)
    }
}

/// The objects of one folder.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    pub items: Vec<Item>,
}

/// A pod template and the object that holds it.
struct Workload<'a> {
    item: &'a Item,
    template: &'a PodTemplateSpec,
    /// `Some(n)` for a Deployment or StatefulSet (1 when unset).
    replicas: Option<i32>,
    /// Replaces a pod only after stopping the old one: a Deployment with strategy Recreate,
    /// or a StatefulSet (it deletes a pod before making its successor).
    recreate: bool,
    /// The selector of a Deployment or StatefulSet: long-running pods that Services and
    /// PodDisruptionBudgets select.
    selector: Option<&'a LabelSelector>,
    /// A StatefulSet's volumeClaimTemplates: volumes its pods may mount, one claim per pod.
    claim_templates: Vec<String>,
}

/// The program a container runs, told by its image's name (whatever the registry and tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Host,
    Renderer,
    /// sqld, the libSQL server (image `libsql-server`).
    Sqld,
}

pub fn program(image: &str) -> Option<Program> {
    let name = image.rsplit('/').next().unwrap_or(image);
    let name = name.split(['@', ':']).next().unwrap_or(name);
    match name {
        "alertgraph" => Some(Program::Host),
        "alertgraph-renderer" => Some(Program::Renderer),
        "libsql-server" => Some(Program::Sqld),
        _ => None,
    }
}

impl Folder {
    /// Checks each document's schema and keeps the typed objects; the error lists every
    /// document that failed.
    pub fn from_documents(docs: &[Doc]) -> Result<Folder, Vec<String>> {
        let mut items = Vec::new();
        let mut problems = Vec::new();
        for doc in docs {
            match check_document(doc) {
                Ok(object) => items.push(Item {
                    file: doc.file.clone(),
                    label: doc.label(),
                    object,
                }),
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() {
            Ok(Folder { items })
        } else {
            Err(problems)
        }
    }

    /// A folder from `(file name, YAML text)` pairs (the tests' way in).
    pub fn from_yaml(files: &[(&str, &str)]) -> Result<Folder, String> {
        let mut docs = Vec::new();
        for (file, text) in files {
            docs.extend(read_documents(file, text)?);
        }
        Folder::from_documents(&docs).map_err(|problems| problems.join("\n"))
    }

    fn spin_apps(&self) -> impl Iterator<Item = (&Item, &SpinApp)> {
        self.items.iter().filter_map(|item| match &item.object {
            Object::SpinApp(app) => Some((item, &**app)),
            _ => None,
        })
    }

    fn pvc(&self, name: &str) -> Option<&PersistentVolumeClaim> {
        self.items.iter().find_map(|item| match &item.object {
            Object::PersistentVolumeClaim(pvc) if pvc.metadata.name.as_deref() == Some(name) => {
                Some(&**pvc)
            }
            _ => None,
        })
    }

    fn workloads(&self) -> Vec<Workload<'_>> {
        let mut found = Vec::new();
        for item in &self.items {
            match &item.object {
                Object::Deployment(d) => {
                    let strategy = d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref());
                    found.push(Workload {
                        item,
                        template: &d.spec.template,
                        replicas: Some(d.spec.replicas.unwrap_or(1)),
                        recreate: strategy == Some("Recreate"),
                        selector: Some(&d.spec.selector),
                        claim_templates: Vec::new(),
                    });
                }
                Object::StatefulSet(s) => {
                    let claims = s.spec.volume_claim_templates.iter().flatten();
                    found.push(Workload {
                        item,
                        template: &s.spec.template,
                        replicas: Some(s.spec.replicas.unwrap_or(1)),
                        recreate: true,
                        selector: Some(&s.spec.selector),
                        claim_templates: claims.filter_map(|c| c.metadata.name.clone()).collect(),
                    });
                }
                Object::CronJob(c) => {
                    if let Some(job) = &c.spec.job_template.spec {
                        found.push(Workload {
                            item,
                            template: &job.template,
                            replicas: None,
                            recreate: false,
                            selector: None,
                            claim_templates: Vec::new(),
                        });
                    }
                }
                Object::Job(j) => {
                    if let Some(spec) = &j.spec {
                        found.push(Workload {
                            item,
                            template: &spec.template,
                            replicas: None,
                            recreate: false,
                            selector: None,
                            claim_templates: Vec::new(),
                        });
                    }
                }
                _ => {}
            }
        }
        found
    }

    /// Every cross-check; one message per problem.
    pub fn check(&self, project: &Project) -> Vec<String> {
        let mut problems = Vec::new();
        problems.extend(self.check_selectors());
        problems.extend(self.check_service_ports());
        problems.extend(self.check_probes());
        problems.extend(self.check_listen_ports(project));
        problems.extend(self.check_env_names(project));
        problems.extend(self.check_env_references());
        problems.extend(self.check_secret_refs());
        problems.extend(self.check_spin_variables(project));
        problems.extend(self.check_shared_secrets());
        problems.extend(self.check_volumes());
        problems.extend(self.check_runtime_config(project));
        problems.extend(self.check_cluster_urls());
        problems.extend(self.check_security());
        problems.extend(self.check_resources());
        problems.extend(self.check_images());
        problems.extend(self.check_disruption_budgets());
        problems.extend(self.check_host_database(project));
        problems.extend(self.check_secret_settings(project));
        problems.extend(self.check_secret_placeholders());
        problems.extend(self.check_sqld());
        problems
    }

    /// A Deployment's or StatefulSet's selector matches its own pods; every Service's selector
    /// matches the pods of one of them in the folder; a StatefulSet's serviceName is a Service
    /// of the folder that selects its pods; a podAntiAffinity term selects pods of the folder
    /// (a misspelled label spreads nothing).
    pub fn check_selectors(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let workloads = self.workloads();
        for workload in &workloads {
            let Some(selector) = workload.selector else {
                continue;
            };
            let selector = selector.match_labels.clone().unwrap_or_default();
            if selector.is_empty() || !subset(&selector, labels(workload.template)) {
                problems.push(format!(
                    "{}: spec.selector.matchLabels {selector:?} does not match the pod \
                     template's labels {:?}",
                    workload.item.at(),
                    labels(workload.template)
                ));
            }
        }
        for (item, selector) in self.service_selectors() {
            let matched = workloads
                .iter()
                .filter(|w| w.selector.is_some())
                .any(|w| subset(selector, labels(w.template)));
            if !matched {
                problems.push(format!(
                    "{}: selector {selector:?} matches the pod labels of no Deployment or \
                     StatefulSet in this folder",
                    item.at()
                ));
            }
        }
        for workload in &workloads {
            let Object::StatefulSet(set) = &workload.item.object else {
                continue;
            };
            let Some(name) = &set.spec.service_name else {
                continue;
            };
            let selector = self
                .service_selectors()
                .into_iter()
                .find(|(item, _)| item.label == format!("Service {name}"));
            match selector {
                None => problems.push(format!(
                    "{}: spec.serviceName {name} is not a Service of this folder",
                    workload.item.at()
                )),
                Some((_, selector)) if !subset(selector, labels(workload.template)) => problems
                    .push(format!(
                        "{}: spec.serviceName {name}: that Service's selector {selector:?} does \
                         not select this StatefulSet's pods",
                        workload.item.at()
                    )),
                _ => {}
            }
        }
        for workload in &workloads {
            let anti = workload
                .template
                .spec
                .as_ref()
                .and_then(|s| s.affinity.as_ref())
                .and_then(|a| a.pod_anti_affinity.as_ref());
            let Some(anti) = anti else {
                continue;
            };
            let preferred = anti
                .preferred_during_scheduling_ignored_during_execution
                .iter()
                .flatten()
                .map(|w| &w.pod_affinity_term);
            let required = anti
                .required_during_scheduling_ignored_during_execution
                .iter()
                .flatten();
            for term in preferred.chain(required) {
                let selector = term
                    .label_selector
                    .as_ref()
                    .and_then(|s| s.match_labels.clone())
                    .unwrap_or_default();
                let matched = !selector.is_empty()
                    && workloads
                        .iter()
                        .any(|w| subset(&selector, labels(w.template)));
                if !matched {
                    problems.push(format!(
                        "{}: podAntiAffinity (topologyKey {}) selects {selector:?}, the labels \
                         of no pods in this folder: it spreads nothing",
                        workload.item.at(),
                        term.topology_key
                    ));
                }
            }
        }
        problems
    }

    fn service_selectors(&self) -> Vec<(&Item, &BTreeMap<String, String>)> {
        self.items
            .iter()
            .filter_map(|item| match &item.object {
                Object::Service(s) => s
                    .spec
                    .as_ref()
                    .and_then(|spec| spec.selector.as_ref())
                    .map(|selector| (item, selector)),
                _ => None,
            })
            .collect()
    }

    /// Every Service port's targetPort (number or name; the port itself when unset) is a
    /// port of the containers it selects.
    pub fn check_service_ports(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (item, selector) in self.service_selectors() {
            let Object::Service(service) = &item.object else {
                continue;
            };
            let ports = service.spec.as_ref().and_then(|s| s.ports.clone());
            if ports.as_ref().is_none_or(Vec::is_empty) {
                problems.push(format!("{}: has no ports", item.at()));
            }
            for workload in self.workloads() {
                if !subset(selector, labels(workload.template)) {
                    continue;
                }
                let exposed = container_ports(workload.template);
                for port in ports.iter().flatten() {
                    let target = port
                        .target_port
                        .clone()
                        .unwrap_or(IntOrString::Int(port.port));
                    if !exposed.iter().any(|p| port_matches(&target, p)) {
                        problems.push(format!(
                            "{}: port {} targets {}, which no container of {} exposes (it has {})",
                            item.at(),
                            port.port,
                            show_port(&target),
                            workload.item.label,
                            show_ports(&exposed)
                        ));
                    }
                }
            }
        }
        problems
    }

    /// Every probe with a port (httpGet, tcpSocket, grpc) uses a port of its container.
    pub fn check_probes(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            for container in containers(workload.template) {
                let exposed = container.ports.clone().unwrap_or_default();
                for (kind, probe) in probes(container) {
                    let Some(port) = probe_port(probe) else {
                        continue;
                    };
                    if !exposed.iter().any(|p| port_matches(&port, p)) {
                        problems.push(format!(
                            "{}: container {}: {kind} uses port {}, which the container does \
                             not expose (it has {})",
                            workload.item.at(),
                            container.name,
                            show_port(&port),
                            show_ports(&exposed)
                        ));
                    }
                }
            }
        }
        problems
    }

    /// The host and the renderer listen (PORT, or their default) on a declared
    /// containerPort, and not on loopback only.
    pub fn check_listen_ports(&self, project: &Project) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            for container in containers(workload.template) {
                let default = match container.image.as_deref().and_then(program) {
                    Some(Program::Host) => project
                        .host_settings
                        .get("PORT")
                        .cloned()
                        .flatten()
                        .and_then(|p| p.parse::<i32>().ok()),
                    Some(Program::Renderer) => Some(project.renderer_default_port.into()),
                    // check_sqld: sqld is told its address by --http-listen-addr.
                    Some(Program::Sqld) | None => continue,
                };
                let set = env_value(container, "PORT");
                let port = match set {
                    Some(value) => value.trim().parse::<i32>().ok(),
                    None => default,
                };
                let exposed = container.ports.clone().unwrap_or_default();
                if !port.is_some_and(|n| exposed.iter().any(|p| p.container_port == n)) {
                    problems.push(format!(
                        "{}: container {}: listens on {} (PORT {}), which is not a containerPort \
                         (it has {})",
                        workload.item.at(),
                        container.name,
                        port.map_or("?".into(), |n| n.to_string()),
                        if set.is_some() {
                            "as set"
                        } else {
                            "unset: the default"
                        },
                        show_ports(&exposed)
                    ));
                }
                if let Some(host) = env_value(container, "LISTEN_HOST") {
                    if host.starts_with("127.") || host == "::1" {
                        problems.push(format!(
                            "{}: container {}: LISTEN_HOST {host} is loopback: nothing outside the \
                             pod (probes, Services) can reach it",
                            workload.item.at(),
                            container.name
                        ));
                    }
                }
            }
        }
        problems
    }

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
                            "{}: container {}: env {} is set twice",
                            workload.item.at(),
                            container.name,
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
                            "{}: container {}: env {} is not a setting of {whose}",
                            workload.item.at(),
                            container.name,
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
                                "{}: container {}: {field} uses $({name}), which is not an env \
                                 var defined before it in this container",
                                workload.item.at(),
                                container.name
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
    fn keys_of(&self, kind: RefKind, name: &str) -> Option<BTreeSet<String>> {
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
    fn secret_text(&self, name: &str, key: &str) -> Option<String> {
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
    fn references(&self) -> Vec<Reference> {
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
                                    "{}: container {}: env {env_name} must come from Secret {} \
                                     key {} like variable {} of {}, or the two differ",
                                    workload.item.at(),
                                    container.name,
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

    /// Every volumeMount names a volume of its pod (or a StatefulSet's claim template), every
    /// PVC volume a PVC of this folder; a ReadWriteOnce PVC serves one pod at a time: one
    /// replica, replaced with Recreate.
    pub fn check_volumes(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |at: String,
                         volumes: &[Volume],
                         mounts: &[(String, &VolumeMount)],
                         replicas: Option<i32>,
                         recreate: bool| {
            for (container, mount) in mounts {
                if !volumes.iter().any(|v| v.name == mount.name) {
                    problems.push(format!(
                        "{at}: {container}mounts volume {:?} at {}, which the pod does not define",
                        mount.name, mount.mount_path
                    ));
                }
            }
            for volume in volumes {
                let Some(claim) = &volume.persistent_volume_claim else {
                    continue;
                };
                let Some(pvc) = self.pvc(&claim.claim_name) else {
                    problems.push(format!(
                        "{at}: volume {} uses PersistentVolumeClaim {:?}, which is not defined \
                         in this folder",
                        volume.name, claim.claim_name
                    ));
                    continue;
                };
                let modes = pvc.spec.as_ref().and_then(|s| s.access_modes.clone());
                let once = modes
                    .unwrap_or_default()
                    .iter()
                    .any(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod");
                if once && replicas.is_some_and(|n| n > 1) {
                    problems.push(format!(
                        "{at}: {} replicas share ReadWriteOnce PersistentVolumeClaim {}: one \
                         replica only",
                        replicas.unwrap_or_default(),
                        claim.claim_name
                    ));
                }
                if once && replicas.is_some() && !recreate {
                    problems.push(format!(
                        "{at}: uses ReadWriteOnce PersistentVolumeClaim {} but not strategy \
                         Recreate: a rolling update starts the new pod while the old one holds it",
                        claim.claim_name
                    ));
                }
            }
        };
        for workload in self.workloads() {
            let spec = workload.template.spec.as_ref();
            let mut volumes = spec.and_then(|s| s.volumes.clone()).unwrap_or_default();
            // A claim template is a volume of each pod, with a claim of its own.
            volumes.extend(workload.claim_templates.iter().map(|name| Volume {
                name: name.clone(),
                ..Volume::default()
            }));
            let mounts: Vec<(String, &VolumeMount)> = containers(workload.template)
                .flat_map(|c| {
                    c.volume_mounts
                        .iter()
                        .flatten()
                        .map(|m| (format!("container {} ", c.name), m))
                })
                .collect();
            check(
                workload.item.at(),
                &volumes,
                &mounts,
                workload.replicas,
                workload.recreate,
            );
        }
        for (item, app) in self.spin_apps() {
            let volumes = app.spec.volumes.clone().unwrap_or_default();
            let mounts: Vec<(String, &VolumeMount)> = app
                .spec
                .volume_mounts
                .iter()
                .flatten()
                .map(|m| (String::new(), m))
                .collect();
            // The operator's Deployment rolls; one replica on one node still works (a
            // ReadWriteOnce volume is per node), so only the count is checked here.
            let replicas = if app.spec.enable_autoscaling == Some(true) {
                Some(i32::MAX)
            } else {
                app.spec.replicas
            };
            check(item.at(), &volumes, &mounts, replicas, true);
        }
        problems
    }

    /// The runtime config a SpinApp loads from a Secret is TOML, and gives every database of
    /// spin.toml's `sqlite_databases` a home: a `spin` file on a mounted PVC (one replica),
    /// or `libsql` with url and token. Without an entry Spin keeps it inside the pod.
    pub fn check_runtime_config(&self, project: &Project) -> Vec<String> {
        let mut problems = Vec::new();
        for (item, app) in self.spin_apps() {
            let at = item.at();
            let Some(secret) = app
                .spec
                .runtime_config
                .as_ref()
                .and_then(|r| r.load_from_secret.as_ref())
            else {
                if !project.spin.sqlite_databases.is_empty() {
                    problems.push(format!(
                        "{at}: no runtimeConfig.loadFromSecret: the SQLite databases {:?} would \
                         live inside the pod and vanish with it",
                        project.spin.sqlite_databases
                    ));
                }
                continue;
            };
            let Some(text) = self.secret_text(secret, "runtime-config.toml") else {
                continue; // check_secret_refs reports it
            };
            let config: toml::Table = match toml::from_str(&text) {
                Ok(config) => config,
                Err(e) => {
                    problems.push(format!(
                        "{at}: Secret {secret} key runtime-config.toml is not TOML: {e}"
                    ));
                    continue;
                }
            };
            let databases = config
                .get("sqlite_database")
                .and_then(toml::Value::as_table);
            let replicas = app.spec.replicas.unwrap_or(1);
            for name in &project.spin.sqlite_databases {
                let where_ =
                    format!("{at}: Secret {secret} runtime-config.toml [sqlite_database.{name}]");
                let Some(db) = databases.and_then(|d| d.get(name)) else {
                    problems.push(format!(
                        "{where_}: missing: spin.toml uses database {name}, which would live \
                         inside the pod and vanish with it"
                    ));
                    continue;
                };
                let field = |key: &str| db.get(key).and_then(toml::Value::as_str).unwrap_or("");
                match field("type") {
                    "spin" => {
                        let path = field("path");
                        let on_pvc = self.spin_app_pvc_mounts(app).into_iter().any(|mount| {
                            path.strip_prefix(mount.trim_end_matches('/'))
                                .is_some_and(|rest| rest.starts_with('/'))
                        });
                        if !on_pvc {
                            problems.push(format!(
                                "{where_}: path {path:?} is not on a PersistentVolumeClaim the \
                                 SpinApp mounts: the database would vanish with the pod"
                            ));
                        }
                        if replicas > 1 || app.spec.enable_autoscaling == Some(true) {
                            problems.push(format!(
                                "{where_}: a SQLite file serves one replica: use type \"libsql\" \
                                 for more"
                            ));
                        }
                    }
                    "libsql" => {
                        for key in ["url", "token"] {
                            if field(key).is_empty() {
                                problems.push(format!("{where_}: type libsql needs {key}"));
                            }
                        }
                    }
                    other => problems.push(format!(
                        "{where_}: type {other:?} is neither \"spin\" nor \"libsql\""
                    )),
                }
            }
        }
        problems
    }

    fn spin_app_pvc_mounts(&self, app: &SpinApp) -> Vec<String> {
        let volumes = app.spec.volumes.iter().flatten();
        let pvc_volumes: Vec<&str> = volumes
            .filter(|v| v.persistent_volume_claim.is_some())
            .map(|v| v.name.as_str())
            .collect();
        app.spec
            .volume_mounts
            .iter()
            .flatten()
            .filter(|m| pvc_volumes.contains(&m.name.as_str()))
            .map(|m| m.mount_path.clone())
            .collect()
    }

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
                let at = format!("{}: container {}", workload.item.at(), container.name);
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
                        "{}: container {}: securityContext lacks {}",
                        workload.item.at(),
                        container.name,
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
                    format!("{}: container {}", workload.item.at(), container.name),
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
                let at = format!("{}: container {}", workload.item.at(), container.name);
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

    /// The host's database outlives its pod: on a libSQL server (`DB_CONNECTION_STRING`
    /// `http://`, `https://` or `libsql://`), or a SQLite file (`STORAGE_DIR/alertgraph.db`,
    /// or the file `DB_CONNECTION_STRING` names) on a PersistentVolumeClaim, which serves one
    /// replica. `LIBSQL_AUTH_TOKEN` without a server stops the host's start-up.
    pub fn check_host_database(&self, project: &Project) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            let Some(spec) = workload.template.spec.as_ref() else {
                continue;
            };
            for container in containers(workload.template) {
                if container.image.as_deref().and_then(program) != Some(Program::Host) {
                    continue;
                }
                let at = format!("{}: container {}", workload.item.at(), container.name);
                let set = |name: &str| container.env.iter().flatten().find(|v| v.name == name);
                let connection = set("DB_CONNECTION_STRING");
                if connection.is_some_and(|v| v.value.is_none()) {
                    continue; // from a Secret or ConfigMap: not known here
                }
                let connection = connection.and_then(|v| v.value.as_deref());
                if connection.is_some_and(is_server_url) {
                    continue;
                }
                if set("LIBSQL_AUTH_TOKEN").is_some() {
                    problems.push(format!(
                        "{at}: LIBSQL_AUTH_TOKEN is set, but DB_CONNECTION_STRING names no \
                         libSQL server (http://, https:// or libsql://): the host refuses to start"
                    ));
                }
                let path = match connection {
                    Some(value) => file_path(value),
                    None => {
                        let default = project.host_settings.get("STORAGE_DIR").cloned().flatten();
                        let dir = env_value(container, "STORAGE_DIR")
                            .map(str::to_owned)
                            .or(default)
                            .unwrap_or_default();
                        format!("{}/alertgraph.db", dir.trim_end_matches('/'))
                    }
                };
                let volumes = spec.volumes.as_deref().unwrap_or_default();
                let mount = mount_of(&path, container, volumes, &workload.claim_templates);
                if !matches!(mount, Some(VolumeKind::Claim)) {
                    problems.push(format!(
                        "{at}: the SQLite file {path} is not on a PersistentVolumeClaim: the \
                         database would vanish with the pod (or set DB_CONNECTION_STRING to a \
                         libSQL server)"
                    ));
                }
                if let Some(n) = workload.replicas.filter(|n| *n > 1) {
                    problems.push(format!(
                        "{at}: {n} replicas on the SQLite file {path}: a file serves one \
                         replica; for more, DB_CONNECTION_STRING names a libSQL server they share"
                    ));
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
                            "{}: container {}: env {} is secret (README's Configuration table): \
                             take it from a Secret (valueFrom.secretKeyRef), not a plain value",
                            workload.item.at(),
                            container.name,
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

    /// sqld (image `libsql-server`) is one writer with its database on a
    /// PersistentVolumeClaim: one replica, `--db-path` on the claim, `--http-listen-addr` not
    /// loopback and on a containerPort, and `--auth-jwt-key-file` in a mounted Secret (without
    /// it, whoever reaches the Service reads and writes every alert).
    pub fn check_sqld(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for workload in self.workloads() {
            let Some(spec) = workload.template.spec.as_ref() else {
                continue;
            };
            let volumes = spec.volumes.as_deref().unwrap_or_default();
            for container in containers(workload.template) {
                if container.image.as_deref().and_then(program) != Some(Program::Sqld) {
                    continue;
                }
                let at = format!("{}: container {}", workload.item.at(), container.name);
                let words: Vec<&str> = container
                    .command
                    .iter()
                    .chain(&container.args)
                    .flatten()
                    .map(String::as_str)
                    .collect();
                let flag = |name: &str| flag_value(&words, name);
                if let Some(n) = workload.replicas.filter(|n| *n != 1) {
                    problems.push(format!(
                        "{at}: {n} replicas: sqld is a single writer, and each replica would be \
                         a database of its own; one replica"
                    ));
                }
                let listen = flag("--http-listen-addr").unwrap_or(SQLD_DEFAULT_LISTEN);
                let (host, port) = listen.rsplit_once(':').unwrap_or((listen, ""));
                if host.starts_with("127.") || host == "[::1]" || host == "localhost" {
                    problems.push(format!(
                        "{at}: --http-listen-addr {listen}{} is loopback: nothing outside the pod \
                         (probes, the Service) reaches it; use 0.0.0.0:PORT",
                        if flag("--http-listen-addr").is_none() {
                            " (sqld's default)"
                        } else {
                            ""
                        }
                    ));
                }
                let exposed = container.ports.clone().unwrap_or_default();
                let port = port.parse::<i32>().ok();
                if !port.is_some_and(|n| exposed.iter().any(|p| p.container_port == n)) {
                    problems.push(format!(
                        "{at}: sqld listens on {listen}, whose port is not a containerPort (it \
                         has {})",
                        show_ports(&exposed)
                    ));
                }
                let db_path = flag("--db-path").unwrap_or(SQLD_DEFAULT_DB_PATH);
                let mount = mount_of(db_path, container, volumes, &workload.claim_templates);
                if !matches!(mount, Some(VolumeKind::Claim)) {
                    problems.push(format!(
                        "{at}: --db-path {db_path} is not on a PersistentVolumeClaim (or claim \
                         template): the database would vanish with the pod"
                    ));
                }
                match flag("--auth-jwt-key-file") {
                    None => problems.push(format!(
                        "{at}: no --auth-jwt-key-file: sqld would let whoever reaches it read \
                         and write every alert; give it a public key from a Secret"
                    )),
                    Some(file) => {
                        let mount = mount_of(file, container, volumes, &workload.claim_templates);
                        if !matches!(mount, Some(VolumeKind::Secret)) {
                            problems.push(format!(
                                "{at}: --auth-jwt-key-file {file} is not in a mounted Secret"
                            ));
                        }
                    }
                }
            }
        }
        problems
    }
}

/// Why `image` is not a tagged reference without a registry host, if it is not.
pub fn image_problem(image: &str) -> Option<&'static str> {
    let (path, tagged) = match image.split_once('@') {
        Some((path, _digest)) => (path, true),
        None => (image, false),
    };
    let first = path.split('/').next().unwrap_or("");
    if path.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost") {
        return Some("names a registry host; keep the placeholder, the README says to replace it");
    }
    let last = path.rsplit('/').next().unwrap_or("");
    if image.is_empty() || (!tagged && !last.contains(':')) || last.ends_with(":latest") {
        return Some("needs a version tag (not latest) or a digest");
    }
    None
}

#[derive(Debug, Clone, Copy)]
enum RefKind {
    Secret,
    ConfigMap,
}

struct Reference {
    at: String,
    field: String,
    kind: RefKind,
    name: String,
    key: Option<String>,
    optional: bool,
}

/// Collects [`Reference`]s.
#[derive(Default)]
struct References {
    found: Vec<Reference>,
}

impl References {
    fn add(
        &mut self,
        at: &str,
        field: &str,
        kind: RefKind,
        name: &str,
        key: Option<&str>,
        optional: Option<bool>,
    ) {
        self.found.push(Reference {
            at: at.to_owned(),
            field: field.to_owned(),
            kind,
            name: name.to_owned(),
            key: key.map(str::to_owned),
            optional: optional == Some(true),
        });
    }

    fn secret_key(&mut self, at: &str, field: &str, selector: Option<&SecretKeySelector>) {
        if let Some(s) = selector {
            self.add(
                at,
                field,
                RefKind::Secret,
                &s.name,
                Some(&s.key),
                s.optional,
            );
        }
    }

    fn map_key(&mut self, at: &str, field: &str, selector: Option<&ConfigMapKeySelector>) {
        if let Some(c) = selector {
            self.add(
                at,
                field,
                RefKind::ConfigMap,
                &c.name,
                Some(&c.key),
                c.optional,
            );
        }
    }

    /// A value taken from a Secret's or a ConfigMap's key, if `source` names one.
    fn value_from(&mut self, at: &str, field: &str, source: Option<&impl KeySource>) {
        self.secret_key(at, field, source.and_then(KeySource::secret_key));
        self.map_key(at, field, source.and_then(KeySource::map_key));
    }

    fn volume(&mut self, at: &str, volume: &Volume) {
        let field = &format!("volume {}", volume.name);
        if let Some(secret) = &volume.secret {
            let name = secret.secret_name.as_deref().unwrap_or("");
            let keys = secret.items.iter().flatten().map(|i| Some(i.key.as_str()));
            for key in std::iter::once(None).chain(keys) {
                self.add(at, field, RefKind::Secret, name, key, secret.optional);
            }
        }
        if let Some(map) = &volume.config_map {
            let keys = map.items.iter().flatten().map(|i| Some(i.key.as_str()));
            for key in std::iter::once(None).chain(keys) {
                self.add(at, field, RefKind::ConfigMap, &map.name, key, map.optional);
            }
        }
    }
}

fn labels(template: &PodTemplateSpec) -> &BTreeMap<String, String> {
    static EMPTY: BTreeMap<String, String> = BTreeMap::new();
    template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        .unwrap_or(&EMPTY)
}

fn subset(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

fn containers(template: &PodTemplateSpec) -> impl Iterator<Item = &Container> {
    template.spec.iter().flat_map(|spec| {
        spec.init_containers
            .iter()
            .flatten()
            .chain(spec.containers.iter())
    })
}

fn container_ports(template: &PodTemplateSpec) -> Vec<ContainerPort> {
    containers(template)
        .flat_map(|c| c.ports.clone().unwrap_or_default())
        .collect()
}

fn probes(container: &Container) -> Vec<(&'static str, &Probe)> {
    [
        ("livenessProbe", &container.liveness_probe),
        ("readinessProbe", &container.readiness_probe),
        ("startupProbe", &container.startup_probe),
    ]
    .into_iter()
    .filter_map(|(name, probe)| probe.as_ref().map(|p| (name, p)))
    .collect()
}

fn probe_port(probe: &Probe) -> Option<IntOrString> {
    if let Some(http) = &probe.http_get {
        return Some(http.port.clone());
    }
    if let Some(tcp) = &probe.tcp_socket {
        return Some(tcp.port.clone());
    }
    probe.grpc.as_ref().map(|g| IntOrString::Int(g.port))
}

fn port_matches(target: &IntOrString, port: &ContainerPort) -> bool {
    match target {
        IntOrString::Int(n) => port.container_port == *n,
        IntOrString::String(name) => port.name.as_deref() == Some(name.as_str()),
    }
}

fn show_port(port: &IntOrString) -> String {
    match port {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(name) => format!("{name:?}"),
    }
}

fn show_ports(ports: &[ContainerPort]) -> String {
    if ports.is_empty() {
        return "no ports".into();
    }
    let shown: Vec<String> = ports
        .iter()
        .map(|p| match &p.name {
            Some(name) => format!("{} ({name})", p.container_port),
            None => p.container_port.to_string(),
        })
        .collect();
    shown.join(", ")
}

fn env_value<'a>(container: &'a Container, name: &str) -> Option<&'a str> {
    container
        .env
        .iter()
        .flatten()
        .find(|v| v.name == name)
        .and_then(|v| v.value.as_deref())
}

/// The names in `$(NAME)` references (`$$(NAME)` is an escape, not a reference).
fn references(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("$(") {
        let escaped = rest[..i].ends_with('$');
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(end) => {
                if !escaped {
                    found.push(&after[..end]);
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    found
}

/// `scheme://host[:port]` with nothing after it, or why not.
pub fn origin(url: &str) -> Result<(), String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("no scheme".into());
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("scheme {scheme:?} is not http or https"));
    }
    if rest.is_empty() {
        return Err("no host".into());
    }
    if let Some(i) = rest.find(['/', '?', '#']) {
        return Err(format!("it has {:?} after the host", &rest[i..]));
    }
    Ok(())
}

/// The `http://` and `https://` URLs in `text`: (url, host, port).
fn urls(text: &str) -> Vec<(String, String, i32)> {
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        for (i, _) in text.match_indices(scheme) {
            let rest = &text[i + scheme.len()..];
            let end = rest
                .find(|c: char| {
                    c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
                })
                .unwrap_or(rest.len());
            let authority = &rest[..end];
            let default = if scheme == "https://" { 443 } else { 80 };
            let (host, port) = match authority.rsplit_once(':') {
                // An IPv6 literal ([::1]:80) is left whole; the caller skips it.
                Some((host, port)) if !authority.starts_with('[') => {
                    (host, port.parse().unwrap_or(-1))
                }
                _ => (authority, default),
            };
            let url = format!(
                "{scheme}{}",
                &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())]
            );
            found.push((url, host.to_owned(), port));
        }
    }
    found
}

/// The keys of an optional map, whatever its values.
fn key_names<V>(map: &Option<std::collections::BTreeMap<String, V>>) -> Vec<String> {
    map.iter().flatten().map(|(k, _)| k.clone()).collect()
}

/// The `valueFrom` of an env var, a Spin variable or a runtime-config option: the same two
/// selectors in three types.
trait KeySource {
    fn secret_key(&self) -> Option<&SecretKeySelector>;
    fn map_key(&self) -> Option<&ConfigMapKeySelector>;
}

impl KeySource for EnvVarSource {
    fn secret_key(&self) -> Option<&SecretKeySelector> {
        self.secret_key_ref.as_ref()
    }
    fn map_key(&self) -> Option<&ConfigMapKeySelector> {
        self.config_map_key_ref.as_ref()
    }
}

impl KeySource for VarSource {
    fn secret_key(&self) -> Option<&SecretKeySelector> {
        self.secret_key_ref.as_ref()
    }
    fn map_key(&self) -> Option<&ConfigMapKeySelector> {
        self.config_map_key_ref.as_ref()
    }
}

impl KeySource for RuntimeConfigVarSource {
    fn secret_key(&self) -> Option<&SecretKeySelector> {
        self.secret_key_ref.as_ref()
    }
    fn map_key(&self) -> Option<&ConfigMapKeySelector> {
        self.config_map_key_ref.as_ref()
    }
}

/// The placeholder every Secret value of a manifest carries.
pub const PLACEHOLDER: &str = "change-me";

/// sqld's defaults for the flags [`Folder::check_sqld`] reads.
const SQLD_DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const SQLD_DEFAULT_DB_PATH: &str = "data.sqld";

/// `DB_CONNECTION_STRING` naming a libSQL server rather than a file.
pub fn is_server_url(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    ["http://", "https://", "libsql://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// The file a non-server `DB_CONNECTION_STRING` names: `sqlite://PATH?…` or a plain path.
fn file_path(value: &str) -> String {
    let value = value.trim();
    let path = match value.get(..9) {
        Some(scheme) if scheme.eq_ignore_ascii_case("sqlite://") => &value[9..],
        _ => value,
    };
    path.split('?').next().unwrap_or(path).to_owned()
}

/// What backs a mounted path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VolumeKind {
    /// A PersistentVolumeClaim, or a StatefulSet's claim template.
    Claim,
    Secret,
    Other,
}

/// What backs `path` in `container`: the volume of the deepest mount that holds it; None
/// when no mount does (the root filesystem), or for a relative path.
fn mount_of(
    path: &str,
    container: &Container,
    volumes: &[Volume],
    claim_templates: &[String],
) -> Option<VolumeKind> {
    if !path.starts_with('/') {
        return None;
    }
    let mount = container
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| {
            let dir = m.mount_path.trim_end_matches('/');
            path.strip_prefix(dir)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .max_by_key(|m| m.mount_path.trim_end_matches('/').len())?;
    if claim_templates.contains(&mount.name) {
        return Some(VolumeKind::Claim);
    }
    let volume = volumes.iter().find(|v| v.name == mount.name)?;
    Some(if volume.persistent_volume_claim.is_some() {
        VolumeKind::Claim
    } else if volume.secret.is_some() {
        VolumeKind::Secret
    } else {
        VolumeKind::Other
    })
}

/// The value of `--flag value` or `--flag=value` among a command's words.
fn flag_value<'a>(words: &[&'a str], flag: &str) -> Option<&'a str> {
    words.iter().enumerate().find_map(|(i, word)| {
        if *word == flag {
            words.get(i + 1).copied()
        } else {
            word.strip_prefix(flag)
                .and_then(|rest| rest.strip_prefix('='))
        }
    })
}

/// Every string value under a key called `key`, at any depth of a TOML value.
fn toml_strings(value: &toml::Value, key: &str) -> Vec<String> {
    let mut found = Vec::new();
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table {
                match v {
                    toml::Value::String(s) if k == key => found.push(s.clone()),
                    _ => found.extend(toml_strings(v, key)),
                }
            }
        }
        toml::Value::Array(items) => {
            for v in items {
                found.extend(toml_strings(v, key));
            }
        }
        _ => {}
    }
    found
}
