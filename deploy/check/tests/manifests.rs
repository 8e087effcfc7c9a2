//! The manifests under deploy/ pass every check, and every check fails on a broken copy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use alertgraph_deploy_check::cross::{image_problem, Folder};
use alertgraph_deploy_check::project::{self, Project};
use alertgraph_deploy_check::schema::{self, check_document, read_documents, yaml_files, Doc};
use alertgraph_deploy_check::{alertmanager, repo_root, slack, spin, variants};

fn deploy() -> PathBuf {
    repo_root().join("deploy")
}

fn project() -> Project {
    Project::read(&repo_root()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every document of every YAML file under deploy/kubernetes, with paths relative to deploy/.
fn kubernetes_documents() -> Vec<(PathBuf, Vec<Doc>)> {
    let files = yaml_files(&deploy().join("kubernetes")).unwrap_or_else(|e| panic!("{e}"));
    files
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(deploy())
                .unwrap_or(&path)
                .display()
                .to_string();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let docs = read_documents(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            (path, docs)
        })
        .collect()
}

fn folder(name: &str) -> Folder {
    folders(&[name])
}

/// The folders applied together (`kubectl apply -f a/ -f b/`), as one set.
fn folders(names: &[&str]) -> Folder {
    let mut docs: Vec<Doc> = Vec::new();
    for name in names {
        let dir = deploy().join("kubernetes").join(name);
        let found: Vec<Doc> = kubernetes_documents()
            .into_iter()
            .filter(|(path, _)| path.parent() == Some(dir.as_path()))
            .flat_map(|(_, docs)| docs)
            .collect();
        assert!(!found.is_empty(), "no manifests in {}", dir.display());
        docs.extend(found);
    }
    Folder::from_documents(&docs).unwrap_or_else(|problems| panic!("{}", problems.join("\n")))
}

/// The sets of folders under deploy/kubernetes that are applied together.
const SPINKUBE: &[&str] = &["spinkube"];
const HOST: &[&str] = &["host"];
const HOST_HA: &[&str] = &["sqld", "host-ha"];
const SPINKUBE_HA: &[&str] = &["sqld", "spinkube-ha"];

/// `set` holds exactly the objects `expected` (`Kind name`) and passes every cross-check.
fn assert_consistent(set: &[&str], expected: &[&str]) {
    let folder = folders(set);
    let kinds: BTreeSet<&str> = folder
        .items
        .iter()
        .map(|item| item.label.as_str())
        .collect();
    assert_eq!(kinds, expected.iter().copied().collect());
    let problems = folder.check(&project());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- the manifests as they are ----

#[test]
fn every_kubernetes_document_matches_its_schema() {
    let mut problems = Vec::new();
    let mut count = 0;
    for (path, docs) in kubernetes_documents() {
        let text = std::fs::read_to_string(&path).unwrap();
        problems.extend(schema::yaml11_booleans(&path.display().to_string(), &text));
        for doc in docs {
            count += 1;
            if let Err(e) = check_document(&doc) {
                problems.push(e);
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        count >= 25,
        "only {count} documents under deploy/kubernetes"
    );
}

#[test]
fn spinkube_folder_is_consistent() {
    assert_consistent(
        SPINKUBE,
        &[
            "CronJob alertgraph-drain",
            "Deployment alertgraph-renderer",
            "PersistentVolumeClaim alertgraph-spin-data",
            "Secret alertgraph",
            "Secret alertgraph-runtime-config",
            "Service alertgraph-renderer",
            "SpinApp alertgraph",
        ],
    );
}

#[test]
fn host_folder_is_consistent() {
    assert_consistent(
        HOST,
        &[
            "Deployment alertgraph",
            "PersistentVolumeClaim alertgraph-data",
            "Secret alertgraph",
            "Service alertgraph",
        ],
    );
}

#[test]
fn sqld_folder_is_consistent() {
    assert_consistent(
        &["sqld"],
        &[
            "Secret alertgraph-db-auth",
            "Service alertgraph-db",
            "StatefulSet alertgraph-db",
        ],
    );
}

#[test]
fn host_ha_folders_are_consistent_and_the_host_but_replicated() {
    assert_consistent(
        HOST_HA,
        &[
            "Deployment alertgraph",
            "PodDisruptionBudget alertgraph",
            "Secret alertgraph",
            "Secret alertgraph-db-auth",
            "Service alertgraph",
            "Service alertgraph-db",
            "StatefulSet alertgraph-db",
        ],
    );
    variants::host_ha_matches(&folder("host"), &folder("host-ha"))
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = deploy().join("kubernetes");
    variants::copies(&dir, "host", "host-ha", &["service.yaml"]).unwrap_or_else(|e| panic!("{e}"));
    // The host's Secret, plus the server's token.
    let (single, ha) = (
        read("deploy/kubernetes/host/secret.yaml"),
        read("deploy/kubernetes/host-ha/secret.yaml"),
    );
    assert!(
        ha.starts_with(single.as_str()),
        "host-ha/secret.yaml must be host/secret.yaml + libsql-auth-token"
    );
    assert!(ha.ends_with("  libsql-auth-token: change-me\n"));
}

#[test]
fn spinkube_ha_folders_are_consistent_and_the_spin_app_but_replicated() {
    assert_consistent(
        SPINKUBE_HA,
        &[
            "CronJob alertgraph-drain",
            "Deployment alertgraph-renderer",
            "PodDisruptionBudget alertgraph",
            "Secret alertgraph",
            "Secret alertgraph-db-auth",
            "Secret alertgraph-runtime-config",
            "Service alertgraph-db",
            "Service alertgraph-renderer",
            "SpinApp alertgraph",
            "StatefulSet alertgraph-db",
        ],
    );
    variants::spinkube_ha_matches(&folder("spinkube"), &folder("spinkube-ha"))
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = deploy().join("kubernetes");
    let copied = ["secret.yaml", "drain-cronjob.yaml", "renderer.yaml"];
    variants::copies(&dir, "spinkube", "spinkube-ha", &copied).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn spinapp_sets_every_variable_a_cluster_needs() {
    let text = std::fs::read_to_string(deploy().join("kubernetes/spinkube/spinapp.yaml")).unwrap();
    let docs = read_documents("spinapp.yaml", &text).unwrap();
    let names: BTreeSet<&str> = docs[0].value["spec"]["variables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    for needed in [
        "slack_bot_token",
        "webhook_token",
        "drain_token",
        "slack_channel",
        "base_url",
        "prometheus_url",
        "renderer_url",
        "explorer_url",
    ] {
        assert!(
            names.contains(needed),
            "spinapp.yaml lacks variable {needed}"
        );
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn spinkube_spin_toml_is_spin_toml_composed() {
    // The SpinApp runs the app of deploy/spinkube/spin.toml; everything but the component's
    // source, build and dependencies must be spin.toml's.
    let (local, spinkube) = (read("spin.toml"), read("deploy/spinkube/spin.toml"));
    spin::same_app(&local, &spinkube).unwrap_or_else(|e| panic!("{e}"));

    let drifted = spinkube.replace("route = \"/metrics\"", "route = \"/stats\"");
    assert_ne!(drifted, spinkube);
    let err = spin::same_app(&local, &drifted).unwrap_err();
    assert_eq!(
        err,
        "deploy/spinkube/spin.toml differs from spin.toml at trigger.http[2].route"
    );
    let widened = spinkube.replace(
        "\"{{ renderer_url }}\",",
        "\"{{ renderer_url }}\", \"*://*:*\",",
    );
    let err = spin::same_app(&local, &widened).unwrap_err();
    assert!(
        err.ends_with("at component.alertgraph.allowed_outbound_hosts"),
        "{err}"
    );
}

#[test]
fn the_component_gets_every_variable_the_code_reads() {
    let read_by_code = spin::variables_read(&[
        &read("handler/src/config.rs"),
        &read("renderer/http/src/lib.rs"),
    ]);
    assert!(read_by_code.contains("slack_bot_token") && read_by_code.contains("renderer_url"));
    for manifest in ["spin.toml", "deploy/spinkube/spin.toml"] {
        spin::component_gets_what_the_code_reads(&read(manifest), &read_by_code)
            .unwrap_or_else(|e| panic!("{manifest}: {e}"));
    }

    let local = read("spin.toml");
    let forgotten = local.replace("explorer_url = \"{{ explorer_url }}\"\n", "");
    assert_ne!(forgotten, local);
    let err = spin::component_gets_what_the_code_reads(&forgotten, &read_by_code).unwrap_err();
    assert!(err.contains("reads the variable explorer_url"), "{err}");
    let mut fewer = read_by_code.clone();
    fewer.remove("drain_token");
    let err = spin::component_gets_what_the_code_reads(&local, &fewer).unwrap_err();
    assert!(
        err.contains("gives drain_token, which no code reads"),
        "{err}"
    );
}

#[test]
fn every_spin_variable_is_a_host_setting() {
    let readme = read("README.md");
    let settings = project::readme_settings(&readme).unwrap();
    let local = read("spin.toml");
    spin::app_variables_are_settings(&local, &settings, &readme).unwrap_or_else(|e| panic!("{e}"));

    let invented = local.replace(
        "[variables]\n",
        "[variables]\nslack_colour = { default = \"\" }\n",
    );
    let err = spin::app_variables_are_settings(&invented, &settings, &readme).unwrap_err();
    assert!(err.contains("SLACK_COLOUR is not in the README"), "{err}");
    let undocumented = readme.replace("`prometheus_path`", "prometheus_path");
    let err = spin::app_variables_are_settings(&local, &settings, &undocumented).unwrap_err();
    assert!(err.contains("prometheus_path is not explained"), "{err}");
}

#[test]
fn alertmanager_config_passes_amtool() {
    let path = deploy().join("alertmanager.yml");
    alertmanager::check_config(&path).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn slack_manifest_grants_what_the_code_needs() {
    let source = std::fs::read_to_string(repo_root().join("handler/src/slack/api.rs")).unwrap();
    let needed = project::slack_scopes_needed(&source).unwrap_or_else(|e| panic!("{e}"));
    let expected: BTreeSet<String> = ["chat:write", "channels:history", "files:write"]
        .map(String::from)
        .into();
    assert!(needed.is_superset(&expected), "{needed:?}");
    let text = std::fs::read_to_string(deploy().join("slack-app-manifest.yaml")).unwrap();
    let manifest = slack::check_manifest(&text, &needed).unwrap_or_else(|e| panic!("{e}"));
    assert!(!manifest.settings.socket_mode_enabled);
    assert!(!manifest.settings.org_deploy_enabled);
    assert!(!manifest.settings.token_rotation_enabled);
}

#[test]
fn containerfiles_build_from_short_names_and_set_the_defaults() {
    for (file, binary, port) in [
        ("Containerfile.host", "alertgraph", "3031"),
        ("Containerfile.renderer", "alertgraph-renderer", "3032"),
    ] {
        let text = std::fs::read_to_string(deploy().join(file)).unwrap();
        let froms: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("FROM "))
            .map(|l| l.split_whitespace().next().unwrap_or(""))
            .collect();
        assert_eq!(
            froms,
            ["rust:1.95-bookworm", "debian:bookworm-slim"],
            "{file}"
        );
        for image in froms {
            assert_eq!(image_problem(image), None, "{file}: FROM {image}");
        }
        for needed in [
            format!("EXPOSE {port}"),
            "USER 10001:10001".into(),
            "LISTEN_HOST=0.0.0.0".into(),
            format!("ENTRYPOINT [\"/usr/local/bin/{binary}\"]"),
        ] {
            assert!(text.contains(&needed), "{file} lacks {needed}");
        }
    }
    let host = std::fs::read_to_string(deploy().join("Containerfile.host")).unwrap();
    assert!(host.contains("STORAGE_DIR=/data") && host.contains("VOLUME /data"));
    let ignore = std::fs::read_to_string(repo_root().join(".dockerignore")).unwrap();
    for excluded in ["target/", "data/", ".spin/"] {
        assert!(
            ignore.lines().any(|l| l == excluded),
            ".dockerignore lacks {excluded}"
        );
    }
}

#[test]
fn project_facts_are_read() {
    let project = project();
    assert_eq!(project.host_settings["PORT"].as_deref(), Some("3031"));
    assert!(project.host_settings.contains_key("SLACK_BOT_TOKEN"));
    assert_eq!(project.renderer_default_port, 3032);
    let renderer: BTreeSet<&str> = project
        .renderer_settings
        .iter()
        .map(String::as_str)
        .collect();
    assert!(renderer.is_superset(&["LISTEN_HOST", "LOG_JSON", "PORT", "RUST_LOG"].into()));
    assert!(renderer
        .iter()
        .all(|name| name.chars().all(|c| c.is_ascii_uppercase() || c == '_')));
    assert_eq!(project.spin.variables.get("slack_bot_token"), Some(&true));
    assert_eq!(project.spin.variables.get("slack_channel"), Some(&false));
    assert!(project.spin.outbound_variables.contains("renderer_url"));
    assert!(project.spin.sqlite_databases.contains("default"));
    let secrets: BTreeSet<&str> = project.host_secrets.iter().map(String::as_str).collect();
    let expected = [
        "HISTORY_TOKEN",
        "LIBSQL_AUTH_TOKEN",
        "PROMETHEUS_BASIC_AUTH",
        "PROMETHEUS_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
    ];
    assert_eq!(secrets, expected.into());
}

// ---- every check fails on a broken copy ----

fn edited_folder(name: &str, file: &str, edit: impl Fn(&str) -> String) -> Result<Folder, String> {
    edited_set(&[name], &format!("{name}/{file}"), edit)
}

/// The files of `names` (folders under deploy/kubernetes) with `file` (`folder/name.yaml`)
/// edited; one folder's files are named by their base name, a set's by `folder/name.yaml`.
fn edited_set(names: &[&str], file: &str, edit: impl Fn(&str) -> String) -> Result<Folder, String> {
    let mut files = Vec::new();
    let mut edited = false;
    for name in names {
        let dir = deploy().join("kubernetes").join(name);
        for path in yaml_files(&dir).unwrap() {
            let text = std::fs::read_to_string(&path).unwrap();
            let base = path.file_name().unwrap().to_string_lossy().into_owned();
            let relative = format!("{name}/{base}");
            let text = if relative == file {
                let new = edit(&text);
                assert_ne!(new, text, "the edit of {file} changed nothing");
                edited = true;
                new
            } else {
                text
            };
            files.push((if names.len() == 1 { base } else { relative }, text));
        }
    }
    assert!(edited, "no file {file} in {names:?}");
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    Folder::from_yaml(&pairs)
}

/// The problems the cross-checks find in the edited folder (its schema must pass).
fn cross_problems(folder: Result<Folder, String>) -> String {
    let folder = folder.unwrap_or_else(|e| panic!("schema failed where a cross-check should: {e}"));
    folder.check(&project()).join("\n")
}

/// Each case `(file, from, to, expected)` breaks a copy of `set`: every `from` in `file`
/// (`folder/name.yaml`) becomes `to`, and the cross-checks must report each of `expected`.
fn assert_cross_catches(set: &[&str], cases: &[(&str, &str, &str, &[&str])]) {
    for &(file, from, to, expected) in cases {
        assert_has(
            &cross_problems(edited_set(set, file, |t| t.replace(from, to))),
            expected,
        );
    }
}

fn assert_has(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
    }
}

fn schema_error(file: &str, yaml: &str) -> String {
    let docs = read_documents(file, yaml).unwrap();
    check_document(&docs[0]).expect_err("the broken document passed")
}

#[test]
fn schema_catches_a_misspelled_field() {
    let err = schema_error(
        "x.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replica: 2\n  \
         selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    \
         spec:\n      containers:\n        - name: web\n          image: web:1\n          \
         imagePullPolicy: Always\n          portz: []\n",
    );
    assert_has(
        &err,
        &["x.yaml", "Deployment web", "spec.replica: is not a field"],
    );
    let err = schema_error(
        "x.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n    - port: 80\n      \
         targetport: http\n",
    );
    assert_has(
        &err,
        &["Service web", "spec.ports[0].targetport: is not a field"],
    );
}

#[test]
fn schema_catches_a_wrong_type_and_a_missing_required_field() {
    let err = schema_error(
        "x.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n    - port: \"eighty\"\n",
    );
    assert_has(
        &err,
        &["Service web", "spec.ports[0].port: invalid type: string"],
    );
    let err = schema_error(
        "x.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
         selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    \
         spec:\n      containers:\n        - image: web:1\n",
    );
    assert_has(
        &err,
        &["spec.template.spec.containers[0].name: missing in the file"],
    );
    let err = schema_error(
        "x.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: Web_1}\n",
    );
    assert_has(&err, &["metadata.name: \"Web_1\" is not a DNS-1123 label"]);
    let err = schema_error(
        "x.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n",
    );
    assert_has(&err, &["not a kind this checker knows"]);
}

#[test]
fn schema_catches_yaml_1_1_booleans() {
    let yaml = "env:\n  - name: LOG_JSON\n    value: yes\n  - on\n  - name: A\n    value: \"no\" # quoted\n";
    let problems = schema::yaml11_booleans("x.yaml", yaml);
    assert_eq!(
        problems,
        [
            "x.yaml:3: unquoted yes is a boolean to Kubernetes (YAML 1.1): quote it",
            "x.yaml:4: unquoted on is a boolean to Kubernetes (YAML 1.1): quote it",
        ]
    );
}

#[test]
fn schema_catches_spinapp_mistakes() {
    let base = std::fs::read_to_string(deploy().join("kubernetes/spinkube/spinapp.yaml")).unwrap();
    let broken = |from: &str, to: &str| {
        assert!(base.contains(from), "spinapp.yaml has no {from:?}");
        schema_error("spinapp.yaml", &base.replacen(from, to, 1))
    };
    assert_has(
        &broken("  replicas: 1", "  replica: 1"),
        &[
            "SpinApp alertgraph",
            "spec.replica: unknown field `replica`",
        ],
    );
    assert_has(
        &broken("  executor: containerd-shim-spin\n", ""),
        &["spec: missing field `executor`"],
    );
    assert_has(
        &broken("  replicas: 1", "  replicas: one"),
        &["spec.replicas: invalid type: string \"one\", expected i32"],
    );
    assert_has(
        &broken("        path: /healthz", "        pathh: /healthz"),
        &["spec.checks.liveness.httpGet.pathh: unknown field `pathh`"],
    );
    // Inside a core type the CRD embeds, the round trip finds it.
    assert_has(
        &broken(
            "        claimName: alertgraph-spin-data",
            "        claimname: alertgraph-spin-data",
        ),
        &["spec.volumes[0].persistentVolumeClaim.claimname: is not a field"],
    );
    assert_has(
        &broken("  replicas: 1", "  replicas: 0"),
        &["spec.replicas: must be at least 1"],
    );
    assert_has(
        &broken(
            "apiVersion: core.spinkube.dev/v1alpha1",
            "apiVersion: core.spinkube.dev/v1",
        ),
        &["not a kind this checker knows"],
    );
}

#[test]
fn schema_round_trip_reports_the_first_difference_by_path() {
    let original: serde_json::Value = serde_json::json!({"a": {"b": [1, {"c.d": 2}]}});
    let back = serde_json::json!({"a": {"b": [1, {"c.d": 3}]}});
    assert_eq!(
        schema::first_difference(&original, &back, "").unwrap(),
        "a.b[1][\"c.d\"]: 2 in the file reads back as 3"
    );
    let paths = schema::line_paths(&original);
    // The lines of serde_json::to_string_pretty, one path each.
    let text = serde_json::to_string_pretty(&original).unwrap();
    assert_eq!(paths.len(), text.lines().count());
    assert_eq!(paths[5], "a.b[1][\"c.d\"]");
}

#[test]
fn cross_check_catches_a_wrong_selector() {
    assert_cross_catches(
        SPINKUBE,
        &[(
            "spinkube/renderer.yaml",
            "  selector:\n    app.kubernetes.io/name: alertgraph-renderer",
            "  selector:\n    app.kubernetes.io/name: alertgraph-rendrer",
            &[
                "renderer.yaml: Service alertgraph-renderer: selector",
                "matches the pod labels of no Deployment",
            ],
        )],
    );
    assert_cross_catches(
        HOST,
        &[(
            "host/deployment.yaml",
            "    matchLabels:\n      app.kubernetes.io/name: alertgraph\n",
            "    matchLabels:\n      app.kubernetes.io/name: other\n",
            &["Deployment alertgraph: spec.selector.matchLabels"],
        )],
    );
}

#[test]
fn cross_check_catches_a_wrong_target_port_and_probe_port() {
    assert_cross_catches(
        HOST,
        &[(
            "host/service.yaml",
            "targetPort: http",
            "targetPort: 8080",
            &["Service alertgraph: port 3031 targets 8080, which no container of Deployment alertgraph exposes"],
        )],
    );
    assert_cross_catches(
        SPINKUBE,
        &[(
            "spinkube/renderer.yaml",
            "readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http",
            "readinessProbe:\n            httpGet:\n              path: /healthz\n              port: metrics",
            &["container renderer: readinessProbe uses port \"metrics\""],
        )],
    );
}

#[test]
fn cross_check_catches_a_port_the_program_does_not_listen_on() {
    assert_cross_catches(
        HOST,
        &[(
            "host/deployment.yaml",
            "            - name: STORAGE_DIR",
            "            - name: PORT\n              value: \"8080\"\n            - name: STORAGE_DIR",
            &["container alertgraph: listens on 8080 (PORT as set)"],
        )],
    );
}

#[test]
fn cross_check_catches_an_unknown_env_var() {
    assert_cross_catches(
        HOST,
        &[(
            "host/deployment.yaml",
            "name: SLACK_CHANNEL",
            "name: SLACK_CHANEL",
            &["env SLACK_CHANEL is not a setting of the alertgraph host"],
        )],
    );
    assert_cross_catches(
        SPINKUBE,
        &[(
            "spinkube/renderer.yaml",
            "name: LOG_JSON",
            "name: STORAGE_DIR",
            &["env STORAGE_DIR is not a setting of the renderer sidecar"],
        )],
    );
}

#[test]
fn cross_check_catches_an_undefined_env_reference() {
    assert_cross_catches(
        SPINKUBE,
        &[(
            "spinkube/drain-cronjob.yaml",
            "$(DRAIN_TOKEN)",
            "$(DRAIN_TOKN)",
            &["CronJob alertgraph-drain: container drain: args[6] uses $(DRAIN_TOKN)"],
        )],
    );
}

#[test]
fn cross_check_catches_a_missing_secret_or_key() {
    assert_cross_catches(
        SPINKUBE,
        &[
            (
                "spinkube/secret.yaml",
                "  drain-token: change-me\n",
                "",
                &[
                    "SpinApp alertgraph: variable drain_token: Secret alertgraph has no key \"drain-token\"",
                    "CronJob alertgraph-drain: container drain env DRAIN_TOKEN: Secret alertgraph has no key",
                ],
            ),
            (
                "spinkube/runtime-config.yaml",
                "name: alertgraph-runtime-config",
                "name: alertgraph-runtime",
                &["runtimeConfig.loadFromSecret: Secret \"alertgraph-runtime-config\" is not defined in this folder"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_spin_variable_mistakes() {
    assert_cross_catches(
        SPINKUBE,
        &[
            (
                "spinkube/spinapp.yaml",
                "name: base_url",
                "name: base_uri",
                &["variable base_uri: is not in spin.toml's [variables]"],
            ),
            (
                "spinkube/spinapp.yaml",
                "    - name: webhook_token\n      valueFrom:\n        secretKeyRef:\n          name: alertgraph\n          key: webhook-token\n",
                "    - name: webhook_token\n      value: hunter2\n",
                &["variable webhook_token: is secret in spin.toml, so it must come from a Secret"],
            ),
            (
                "spinkube/spinapp.yaml",
                "http://prometheus.monitoring.svc:9090",
                "http://prometheus.monitoring.svc:9090/prometheus",
                &["variable prometheus_url: \"http://prometheus.monitoring.svc:9090/prometheus\" goes into allowed_outbound_hosts"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_tokens_from_different_keys() {
    assert_cross_catches(
        SPINKUBE,
        &[(
            "spinkube/drain-cronjob.yaml",
            "key: drain-token",
            "key: webhook-token",
            &["env DRAIN_TOKEN must come from Secret alertgraph key drain-token like variable drain_token"],
        )],
    );
}

#[test]
fn cross_check_catches_volume_mistakes() {
    assert_cross_catches(
        HOST,
        &[
            (
                "host/deployment.yaml",
                "claimName: alertgraph-data",
                "claimName: alertgraph-dat",
                &["volume data uses PersistentVolumeClaim \"alertgraph-dat\", which is not defined"],
            ),
            (
                "host/deployment.yaml",
                "    type: Recreate",
                "    type: RollingUpdate",
                &["uses ReadWriteOnce PersistentVolumeClaim alertgraph-data but not strategy Recreate"],
            ),
            (
                "host/deployment.yaml",
                "  replicas: 1",
                "  replicas: 2",
                &["2 replicas share ReadWriteOnce PersistentVolumeClaim alertgraph-data"],
            ),
            (
                "host/deployment.yaml",
                "            - name: tmp\n              mountPath",
                "            - name: scratch\n              mountPath",
                &["container alertgraph mounts volume \"scratch\" at /tmp, which the pod does not define"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_runtime_config_mistakes() {
    assert_cross_catches(
        SPINKUBE,
        &[
            (
                "spinkube/runtime-config.yaml",
                "path = \"/data/alertgraph.db\"",
                "path = \"/var/alertgraph.db\"",
                &["[sqlite_database.default]: path \"/var/alertgraph.db\" is not on a PersistentVolumeClaim"],
            ),
            (
                "spinkube/runtime-config.yaml",
                "[sqlite_database.default]\n    type = \"spin\"",
                "[sqlite_database.other]\n    type = \"spin\"",
                &["[sqlite_database.default]: missing"],
            ),
            (
                "spinkube/spinapp.yaml",
                "  replicas: 1",
                "  replicas: 3",
                &["a SQLite file serves one replica", "3 replicas share ReadWriteOnce"],
            ),
            (
                "spinkube/runtime-config.yaml",
                "type = \"spin\"",
                "type = \"spin\" type",
                &["runtime-config.toml is not TOML"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_a_url_to_a_missing_service_or_port() {
    assert_cross_catches(
        SPINKUBE,
        &[
            (
                "spinkube/drain-cronjob.yaml",
                "http://alertgraph:80/",
                "http://alertgraph:3031/",
                &["http://alertgraph:3031/api/outbox/drain uses port 3031 of Service alertgraph, which has [80]"],
            ),
            (
                "spinkube/spinapp.yaml",
                "http://alertgraph-renderer:3032",
                "http://renderer:3032",
                &["variable renderer_url: http://renderer:3032 names Service renderer, which this folder does not define"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_root_and_writable_containers() {
    let problems = cross_problems(edited_set(SPINKUBE, "spinkube/renderer.yaml", |t| {
        t.replace(
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false",
        )
        .replace("runAsUser: 10001", "runAsUser: 0")
    }));
    assert_has(&problems, &["container renderer: securityContext lacks runAsNonRoot: true (and a user other than 0), readOnlyRootFilesystem: true"]);
    assert_cross_catches(
        SPINKUBE,
        &[(
            "spinkube/drain-cronjob.yaml",
            "drop: [\"ALL\"]",
            "drop: [\"NET_RAW\"]",
            &["container drain: securityContext lacks capabilities.drop: [ALL]"],
        )],
    );
}

#[test]
fn cross_check_catches_missing_resources_and_registry_hosts() {
    assert_cross_catches(
        SPINKUBE,
        &[
            (
                "spinkube/renderer.yaml",
                "              memory: 256Mi\n",
                "",
                &["container renderer: resources lack limits.memory"],
            ),
            (
                "spinkube/spinapp.yaml",
                "image: alertgraph-spin:0.1.0",
                "image: registry.example.com:5000/alertgraph-spin:0.1.0",
                &["SpinApp alertgraph: image \"registry.example.com:5000/alertgraph-spin:0.1.0\": names a registry host"],
            ),
        ],
    );
    assert_eq!(
        image_problem("alertgraph:latest"),
        Some("needs a version tag (not latest) or a digest")
    );
    assert_eq!(image_problem("team/alertgraph:1.0"), None);
}

#[test]
fn amtool_fails_a_broken_config() {
    let dir = std::env::temp_dir().join(format!("alertgraph-deploy-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("alertmanager.yml");
    let text = std::fs::read_to_string(deploy().join("alertmanager.yml")).unwrap();
    std::fs::write(
        &path,
        text.replace("  receiver: alertgraph", "  receiver: alertgraf"),
    )
    .unwrap();
    let result = alertmanager::check_config(&path);
    std::fs::remove_dir_all(&dir).ok();
    let err = result.expect_err("amtool passed a route to an undefined receiver");
    assert_has(&err, &["undefined receiver \"alertgraf\""]);
    let real = deploy().join("alertmanager.yml");
    let err = alertmanager::check_config_with("amtool-not-installed", &real).unwrap_err();
    assert_has(
        &err,
        &["not on PATH: install Debian's prometheus-alertmanager"],
    );
}

#[test]
fn slack_check_fails_a_broken_manifest() {
    let text = std::fs::read_to_string(deploy().join("slack-app-manifest.yaml")).unwrap();
    let needed: BTreeSet<String> = ["chat:write", "channels:history", "files:write"]
        .map(String::from)
        .into();
    let err =
        slack::check_manifest(&text.replace("      - files:write\n", ""), &needed).unwrap_err();
    assert_has(&err, &["oauth_config.scopes.bot: lacks files:write"]);
    let err = slack::check_manifest(
        &text.replace("  socket_mode_enabled", "  socket_mode"),
        &needed,
    )
    .unwrap_err();
    assert_has(&err, &["settings.socket_mode: unknown field `socket_mode`"]);
    let err = slack::check_manifest(
        &text.replace(
            "name: alertgraph",
            "name: alertgraph alertgraph alertgraph alertgraph",
        ),
        &needed,
    )
    .unwrap_err();
    assert_has(&err, &["display_information.name: 43 characters"]);
    for broken in [
        text.replace("is_enabled: true", "is_enabled: false"),
        text.replace(
            "https://alertgraph.example.com/api/slack/interactions",
            "http://x/api/alerts",
        ),
    ] {
        let err = slack::check_manifest(&broken, &needed).unwrap_err();
        assert_has(&err, &["settings.interactivity: must be enabled"]);
    }
    // A Slack call whose scope the checker does not know fails the scope derivation.
    let err = project::slack_scopes_needed("let method = \"reactions.add\";").unwrap_err();
    assert_has(&err, &["calls reactions.add"]);
}

#[test]
fn readme_and_spin_toml_parsers_fail_loudly() {
    assert!(project::readme_settings("# no table here\n").is_err());
    let table = "| `PORT` | `3031` | port |\n| `A` | — | a |\n| `B` | — | b |\n| `C` | — | c |\n| `D` | — | d |\n";
    let settings = project::readme_settings(table).unwrap();
    assert_eq!(settings["PORT"].as_deref(), Some("3031"));
    assert_eq!(settings["A"], None);
    assert!(project::spin_manifest("spin_manifest_version = 2\n").is_err());
    assert!(project::sidecar_settings("fn main() {}").is_err());
}

#[test]
fn yaml_documents_are_split_and_empty_ones_skipped() {
    let docs = read_documents("x.yaml", "---\na: 1\n---\n---\nb: 2\n").unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!((docs[0].index, docs[1].index), (0, 1));
    let err = read_documents("x.yaml", "a: [1\n").unwrap_err();
    assert_has(&err, &["x.yaml: document 1: not YAML"]);
    assert!(Path::new(&deploy()).join("kubernetes/spinkube").is_dir());
}

#[test]
fn cross_check_catches_loopback_and_twice_set_env() {
    assert_cross_catches(
        HOST,
        &[(
            "host/deployment.yaml",
            "            - name: STORAGE_DIR\n              value: /data\n",
            "            - name: STORAGE_DIR\n              value: /data\n            - name: LISTEN_HOST\n              value: 127.0.0.1\n            - name: STORAGE_DIR\n              value: /var\n",
            &[
                "container alertgraph: env STORAGE_DIR is set twice",
                "container alertgraph: LISTEN_HOST 127.0.0.1 is loopback",
            ],
        )],
    );
}

#[test]
fn cross_check_catches_a_database_without_a_home() {
    assert_cross_catches(
        SPINKUBE,
        &[
            (
                "spinkube/runtime-config.yaml",
                "    type = \"spin\"\n    path = \"/data/alertgraph.db\"\n",
                "    type = \"libsql\"\n    url = \"https://db.example.com\"\n",
                &["[sqlite_database.default]: type libsql needs token"],
            ),
            (
                "spinkube/spinapp.yaml",
                "  runtimeConfig:\n    loadFromSecret: alertgraph-runtime-config\n",
                "",
                &["SpinApp alertgraph: no runtimeConfig.loadFromSecret: the SQLite databases"],
            ),
        ],
    );
}

// ---- the highly-available variants: every new check fails on a broken copy ----

#[test]
fn cross_check_catches_statefulset_and_anti_affinity_selectors() {
    assert_cross_catches(
        HOST_HA,
        &[
            (
                "sqld/statefulset.yaml",
                "  serviceName: alertgraph-db",
                "  serviceName: sqld",
                &["StatefulSet alertgraph-db: spec.serviceName sqld is not a Service of this folder"],
            ),
            (
                "sqld/service.yaml",
                "  selector:\n    app.kubernetes.io/name: alertgraph-db",
                "  selector:\n    app.kubernetes.io/name: alertgraph-sqld",
                &[
                    "Service alertgraph-db: selector",
                    "matches the pod labels of no Deployment or StatefulSet",
                    "spec.serviceName alertgraph-db: that Service's selector",
                ],
            ),
            (
                "host-ha/deployment.yaml",
                "                    app.kubernetes.io/name: alertgraph\n",
                "                    app.kubernetes.io/name: alertgrahp\n",
                &["host-ha/deployment.yaml: Deployment alertgraph: podAntiAffinity (topologyKey kubernetes.io/hostname) selects {\"app.kubernetes.io/name\": \"alertgrahp\"}, the labels of no pods in this folder"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_disruption_budget_mistakes() {
    assert_cross_catches(
        HOST_HA,
        &[
            (
                "host-ha/pdb.yaml",
                "minAvailable: 1",
                "minAvailable: 2",
                &["host-ha/pdb.yaml: PodDisruptionBudget alertgraph: lets none of the 2 pods of Deployment alertgraph be evicted"],
            ),
            (
                "host-ha/pdb.yaml",
                "  minAvailable: 1\n",
                "  minAvailable: 1\n  maxUnavailable: 1\n",
                &["sets both minAvailable and maxUnavailable"],
            ),
            (
                "host-ha/pdb.yaml",
                "      app.kubernetes.io/name: alertgraph\n",
                "      app: alertgraph\n",
                &["PodDisruptionBudget alertgraph: selector {\"app\": \"alertgraph\"} matches the pods of no Deployment, StatefulSet or SpinApp"],
            ),
        ],
    );
    assert_cross_catches(
        SPINKUBE_HA,
        &[
            (
                "spinkube-ha/spinapp.yaml",
                "  replicas: 2",
                "  replicas: 1",
                &["lets none of the 1 pods of SpinApp alertgraph be evicted"],
            ),
            // The SpinApp's pods carry its podLabels: without them the budget covers nothing.
            (
                "spinkube-ha/spinapp.yaml",
                "  podLabels:\n    app.kubernetes.io/name: alertgraph\n",
                "",
                &[
                    "spinkube-ha/pdb.yaml: PodDisruptionBudget alertgraph: selector",
                    "core.spinkube.dev/app-name",
                ],
            ),
        ],
    );
    // ... or the operator's own label.
    let problems = cross_problems(edited_set(SPINKUBE_HA, "spinkube-ha/pdb.yaml", |t| {
        t.replace(
            "      app.kubernetes.io/name: alertgraph\n",
            "      core.spinkube.dev/app-name: alertgraph\n",
        )
    }));
    assert_eq!(problems, "");
}

#[test]
fn cross_check_catches_a_host_database_that_does_not_last_or_is_not_shared() {
    assert_cross_catches(
        HOST_HA,
        &[
            (
                "host-ha/deployment.yaml",
                "            - name: DB_CONNECTION_STRING\n              value: \"http://alertgraph-db:8080\"\n",
                "",
                &[
                    "container alertgraph: LIBSQL_AUTH_TOKEN is set, but DB_CONNECTION_STRING names no libSQL server",
                    "container alertgraph: the SQLite file /data/alertgraph.db is not on a PersistentVolumeClaim",
                    "container alertgraph: 2 replicas on the SQLite file /data/alertgraph.db: a file serves one replica",
                ],
            ),
            // The server's URL names a Service of the set, on its port.
            (
                "host-ha/deployment.yaml",
                "http://alertgraph-db:8080",
                "http://sqld:8080",
                &["env DB_CONNECTION_STRING: http://sqld:8080 names Service sqld, which this folder does not define"],
            ),
        ],
    );
    assert_cross_catches(
        HOST,
        &[
            // A file named by DB_CONNECTION_STRING, in the seed's syntax, off the claim.
            (
                "host/deployment.yaml",
                "            - name: STORAGE_DIR\n              value: /data\n",
                "            - name: STORAGE_DIR\n              value: /data\n            - name: DB_CONNECTION_STRING\n              value: \"sqlite:///tmp/slack-app.db?mode=rwc\"\n",
                &["the SQLite file /tmp/slack-app.db is not on a PersistentVolumeClaim"],
            ),
            (
                "host/deployment.yaml",
                "              value: /data\n",
                "              value: ./data\n",
                &["the SQLite file ./data/alertgraph.db is not on a PersistentVolumeClaim"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_a_secret_setting_in_plain_text() {
    assert_cross_catches(
        HOST_HA,
        &[(
            "host-ha/deployment.yaml",
            "            - name: LIBSQL_AUTH_TOKEN\n              valueFrom:\n                secretKeyRef:\n                  name: alertgraph\n                  key: libsql-auth-token\n",
            "            - name: LIBSQL_AUTH_TOKEN\n              value: eyJhbGciOiJFZERTQSJ9.e30.c2ln\n",
            &["container alertgraph: env LIBSQL_AUTH_TOKEN is secret (README's Configuration table): take it from a Secret"],
        )],
    );
}

#[test]
fn cross_check_catches_secrets_that_are_not_placeholders() {
    let problems = cross_problems(edited_set(HOST_HA, "host-ha/secret.yaml", |t| {
        t.replace("slack-bot-token: change-me", "slack-bot-token: xoxb-1234")
    }));
    assert_has(&problems, &["host-ha/secret.yaml: Secret alertgraph: stringData slack-bot-token is not the placeholder change-me"]);
    assert!(
        !problems.contains("xoxb-1234"),
        "the message repeats the secret: {problems}"
    );
    assert_cross_catches(
        SPINKUBE_HA,
        &[(
            "spinkube-ha/runtime-config.yaml",
            "token = \"change-me\"",
            "token = \"eyJhbGciOiJFZERTQSJ9.e30.c2ln\"",
            &["Secret alertgraph-runtime-config: stringData runtime-config.toml: a token is not the placeholder change-me"],
        )],
    );
    assert_cross_catches(
        HOST_HA,
        &[(
            "sqld/secret.yaml",
            "stringData:\n  jwt-public-key.pem: change-me\n",
            "data:\n  jwt-public-key.pem: Y2hhbmdlLW1l\n",
            &["Secret alertgraph-db-auth: data [\"jwt-public-key.pem\"]: put placeholders in stringData"],
        )],
    );
}

#[test]
fn cross_check_catches_sqld_mistakes() {
    let file = "sqld/statefulset.yaml";
    assert_cross_catches(
        HOST_HA,
        &[
            (
                file,
                "  replicas: 1",
                "  replicas: 2",
                &["sqld/statefulset.yaml: StatefulSet alertgraph-db: container sqld: 2 replicas: sqld is a single writer"],
            ),
            (
                file,
                "\"0.0.0.0:8080\"",
                "\"127.0.0.1:8080\"",
                &["sqld/statefulset.yaml: StatefulSet alertgraph-db: container sqld: --http-listen-addr 127.0.0.1:8080 is loopback"],
            ),
            (
                file,
                "            - \"--http-listen-addr\"\n            - \"0.0.0.0:8080\"\n",
                "",
                &["--http-listen-addr 127.0.0.1:8080 (sqld's default) is loopback"],
            ),
            (
                file,
                "\"0.0.0.0:8080\"",
                "\"0.0.0.0:8081\"",
                &["sqld/statefulset.yaml: StatefulSet alertgraph-db: container sqld: sqld listens on 0.0.0.0:8081, whose port is not a containerPort (it has 8080 (http))"],
            ),
            (
                file,
                "\"/var/lib/sqld\"",
                "\"/tmp/sqld\"",
                &["sqld/statefulset.yaml: StatefulSet alertgraph-db: container sqld: --db-path /tmp/sqld is not on a PersistentVolumeClaim"],
            ),
            (
                file,
                "            - \"--auth-jwt-key-file\"\n            - \"/etc/sqld/jwt-public-key.pem\"\n",
                "",
                &["sqld/statefulset.yaml: StatefulSet alertgraph-db: container sqld: no --auth-jwt-key-file: sqld would let whoever reaches it read and write every alert"],
            ),
            (
                file,
                "\"/etc/sqld/jwt-public-key.pem\"",
                "\"/tmp/jwt-public-key.pem\"",
                &["sqld/statefulset.yaml: StatefulSet alertgraph-db: container sqld: --auth-jwt-key-file /tmp/jwt-public-key.pem is not in a mounted Secret"],
            ),
            // A mount of the claim template under another name.
            (
                file,
                "            - name: data\n              mountPath: /var/lib/sqld",
                "            - name: state\n              mountPath: /var/lib/sqld",
                &["container sqld mounts volume \"state\" at /var/lib/sqld, which the pod does not define"],
            ),
        ],
    );
}

#[test]
fn cross_check_catches_a_runtime_config_url_to_a_missing_port() {
    assert_cross_catches(
        SPINKUBE_HA,
        &[(
            "spinkube-ha/runtime-config.yaml",
            "url = \"http://alertgraph-db:8080\"",
            "url = \"http://alertgraph-db:8081\"",
            &["SpinApp alertgraph: Secret alertgraph-runtime-config runtime-config.toml: http://alertgraph-db:8081 uses port 8081 of Service alertgraph-db, which has [8080]"],
        )],
    );
    // Without sqld/ the server is not there at all.
    assert_cross_catches(
        &["spinkube-ha"],
        &[(
            "spinkube-ha/pdb.yaml",
            "minAvailable: 1",
            "maxUnavailable: 1",
            &["names Service alertgraph-db, which this folder does not define"],
        )],
    );
}

#[test]
fn variants_catch_drift_from_the_single_replica_manifests() {
    let ha = edited_folder("host-ha", "deployment.yaml", |t| {
        t.replace(
            "              value: \"90d\"",
            "              value: \"30d\"",
        )
    })
    .unwrap();
    let err = variants::host_ha_matches(&folder("host"), &ha).unwrap_err();
    assert_eq!(err, "Deployment alertgraph: host-ha/ differs from host/ at spec.template.spec.containers[name=alertgraph].env[name=HISTORY_RETENTION].value: \"90d\" in the base, \"30d\" in the variant");
    let ha = edited_folder("host-ha", "deployment.yaml", |t| {
        t.replace(
            "            - name: tmp\n              mountPath: /tmp\n",
            "",
        )
    })
    .unwrap();
    let err = variants::host_ha_matches(&folder("host"), &ha).unwrap_err();
    assert_has(
        &err,
        &["containers[name=alertgraph].volumeMounts: 2 items in the base, 1 in the variant"],
    );
    let ha = edited_folder("spinkube-ha", "spinapp.yaml", |t| {
        t.replace("    - name: explorer_url\n      value: \"\"\n", "")
    })
    .unwrap();
    let err = variants::spinkube_ha_matches(&folder("spinkube"), &ha).unwrap_err();
    assert_eq!(err, "SpinApp alertgraph: spinkube-ha/ differs from spinkube/ at spec.variables[name=explorer_url]: in the base, not in the variant");
    let dir = std::env::temp_dir().join(format!("alertgraph-variants-{}", std::process::id()));
    for (folder, text) in [("a", "x: 1\n"), ("b", "x: 2\n")] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        std::fs::write(dir.join(folder).join("f.yaml"), text).unwrap();
    }
    let err = variants::copies(&dir, "a", "b", &["f.yaml"]).unwrap_err();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        err,
        "b/f.yaml is no longer a copy of a/f.yaml: make the same edit to both"
    );
}

#[test]
fn readme_secret_settings_are_the_rows_that_say_secret() {
    let table = "| `A_TOKEN` | — | a token; secret, never logged |\n| `B` | — | b; secret |\n| `C` | — | the secret of c \\| d |\n| `D` | — | not a secret |\n";
    let secrets = project::readme_secret_settings(table);
    assert_eq!(secrets, ["A_TOKEN", "B"].map(String::from).into());
}
