//! SpinKube's `SpinApp` (`core.spinkube.dev/v1alpha1`), typed from the CRD the spin-operator
//! ships (`config/crd/bases/core.spinkube.dev_spinapps.yaml`): field names, types and which
//! fields are required are the CRD's. Where the CRD embeds a core type (volumes, volume
//! mounts, key selectors, local object references) the `k8s-openapi` type stands in; the
//! round trip in [`crate::schema`] catches unknown fields inside those. The CRD's spec has
//! no enums (`executor` names a `SpinAppExecutor`, any string); `status` is left out, since
//! a manifest has none. [`rules`] adds what the operator's admission webhook and controller
//! refuse that the schema lets through.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, LocalObjectReference, ObjectFieldSelector, ResourceFieldSelector,
    SecretKeySelector, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpinApp {
    pub api_version: ApiVersion,
    pub kind: Kind,
    pub metadata: ObjectMeta,
    pub spec: SpinAppSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum ApiVersion {
    #[serde(rename = "core.spinkube.dev/v1alpha1")]
    V1Alpha1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Kind {
    SpinApp,
}

/// Required: `executor`, `image`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpinAppSpec {
    pub executor: String,
    pub image: String,
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
    pub checks: Option<HealthChecks>,
    pub replicas: Option<i32>,
    pub enable_autoscaling: Option<bool>,
    pub runtime_config: Option<RuntimeConfig>,
    pub volumes: Option<Vec<Volume>>,
    pub volume_mounts: Option<Vec<VolumeMount>>,
    pub variables: Option<Vec<SpinVar>>,
    pub service_annotations: Option<BTreeMap<String, String>>,
    pub deployment_annotations: Option<BTreeMap<String, String>>,
    pub pod_annotations: Option<BTreeMap<String, String>>,
    pub pod_labels: Option<BTreeMap<String, String>>,
    pub resources: Option<Resources>,
    /// `minItems: 1` in the CRD.
    pub components: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthChecks {
    pub liveness: Option<HealthProbe>,
    pub readiness: Option<HealthProbe>,
}

/// The operator turns this into a pod probe on the app's port (80).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthProbe {
    pub http_get: Option<HttpHealthProbe>,
    pub initial_delay_seconds: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub period_seconds: Option<i32>,
    pub success_threshold: Option<i32>,
    pub failure_threshold: Option<i32>,
}

/// Required: `path`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpHealthProbe {
    pub path: String,
    pub http_headers: Option<Vec<HttpHeader>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuntimeConfig {
    /// A Secret whose key `runtime-config.toml` is Spin's runtime config; when set, the
    /// other fields are ignored.
    pub load_from_secret: Option<String>,
    pub sqlite_databases: Option<Vec<StoreConfig>>,
    pub key_value_stores: Option<Vec<StoreConfig>>,
    pub llm_compute: Option<LlmCompute>,
}

/// An entry of `sqliteDatabases` or `keyValueStores`. Required: `name`, `type`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub options: Option<Vec<RuntimeConfigOption>>,
}

/// Required: `type`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LlmCompute {
    #[serde(rename = "type")]
    pub type_: String,
    pub options: Option<Vec<RuntimeConfigOption>>,
}

/// An option of a store or of `llmCompute`.
pub type RuntimeConfigOption = NamedValue<RuntimeConfigVarSource>;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuntimeConfigVarSource {
    pub config_map_key_ref: Option<ConfigMapKeySelector>,
    pub secret_key_ref: Option<SecretKeySelector>,
}

/// A Spin variable's value; the operator passes it as `SPIN_VARIABLE_<NAME>`.
pub type SpinVar = NamedValue<VarSource>;

/// A name with its value, given or taken from a `Source`: the CRD's shape of both a Spin
/// variable and a runtime config option. Required: `name`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NamedValue<Source> {
    pub name: String,
    pub value: Option<String>,
    pub value_from: Option<Source>,
}

/// The CRD's copy of a core `EnvVarSource` (the four sources it had then).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VarSource {
    pub config_map_key_ref: Option<ConfigMapKeySelector>,
    pub field_ref: Option<ObjectFieldSelector>,
    pub resource_field_ref: Option<ResourceFieldSelector>,
    pub secret_key_ref: Option<SecretKeySelector>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub limits: Option<BTreeMap<String, Quantity>>,
    pub requests: Option<BTreeMap<String, Quantity>>,
}

/// The port the operator gives the app's container, its probes and its Service.
pub const HTTP_PORT: i32 = 80;
/// The name of that port.
pub const HTTP_PORT_NAME: &str = "http-app";
/// The label the operator puts on the app's pods, with the app's name as its value
/// (spin-operator's `NameLabelKey`); besides it, a pod carries
/// `core.spinkube.dev/app.<name>.status: ready` and the SpinApp's `podLabels`.
pub const APP_NAME_LABEL: &str = "core.spinkube.dev/app-name";

/// The labels of the pods the operator makes for `app`: its `podLabels`, then the operator's
/// own (which win on a clash, as in the operator's `maps.Copy`).
pub fn pod_labels(app: &SpinApp) -> BTreeMap<String, String> {
    let name = app.metadata.name.clone().unwrap_or_default();
    let mut labels = app.spec.pod_labels.clone().unwrap_or_default();
    labels.insert(APP_NAME_LABEL.to_owned(), name.clone());
    labels.insert(
        format!("core.spinkube.dev/app.{name}.status"),
        "ready".to_owned(),
    );
    labels
}

/// What the operator refuses although the CRD allows it: replicas with autoscaling (or
/// below 1 without), a probe without `httpGet`, an empty `components`, and variable names
/// Spin does not accept (lowercase letters, digits, `_`, starting with a letter).
pub fn rules(app: &SpinApp) -> Vec<String> {
    let spec = &app.spec;
    let mut problems = Vec::new();
    let autoscaling = spec.enable_autoscaling.unwrap_or(false);
    match (autoscaling, spec.replicas) {
        (true, Some(n)) if n != 0 => {
            problems.push("spec.replicas: cannot be set when enableAutoscaling is true".into())
        }
        (false, n) if n.unwrap_or(0) < 1 => problems.push(
            "spec.replicas: must be at least 1 (the operator's webhook refuses 0 or unset)".into(),
        ),
        _ => {}
    }
    if spec.executor.is_empty() {
        problems.push("spec.executor: must name a SpinAppExecutor".into());
    }
    if let Some(checks) = &spec.checks {
        for (name, probe) in [
            ("liveness", &checks.liveness),
            ("readiness", &checks.readiness),
        ] {
            if probe.as_ref().is_some_and(|p| p.http_get.is_none()) {
                problems.push(format!(
                    "spec.checks.{name}: needs httpGet (the operator refuses a probe without it)"
                ));
            }
        }
    }
    if spec.components.as_ref().is_some_and(Vec::is_empty) {
        problems.push("spec.components: needs at least one item (or leave it out)".into());
    }
    for (i, var) in spec.variables.iter().flatten().enumerate() {
        let ok = var.name.starts_with(|c: char| c.is_ascii_lowercase())
            && var
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            problems.push(format!(
                "spec.variables[{i}].name: {:?} is not a Spin variable name (a-z, 0-9, _)",
                var.name
            ));
        }
        if var.value.is_some() && var.value_from.is_some() {
            problems.push(format!("spec.variables[{i}]: has both value and valueFrom"));
        }
    }
    problems
}
