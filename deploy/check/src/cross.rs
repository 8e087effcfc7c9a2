//! Checks across the objects of one folder (the set applied together with
//! `kubectl apply -f <folder>`), and against the code: each function finds one kind of
//! mistake and returns one message per finding, naming the file and the object.
//!
//! This file reads a folder and holds the shared helpers; the checks are grouped by concern:
//! `wiring` (selectors, ports, probes), `env` (variables, Secrets), `storage` (volumes,
//! databases) and `policy` (URLs, security, resources, images, disruption budgets).

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

mod env;
mod policy;
mod storage;
mod wiring;

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

impl Workload<'_> {
    /// `file: Kind name: container c`, where a message about one of its containers points.
    fn container_at(&self, container: &Container) -> String {
        format!("{}: container {}", self.item.at(), container.name)
    }
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
