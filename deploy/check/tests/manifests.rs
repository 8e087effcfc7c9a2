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

fn kinds(folder: &Folder) -> BTreeSet<String> {
    folder.items.iter().map(|item| item.label.clone()).collect()
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
    let folder = folder("spinkube");
    let expected = [
        "CronJob alertgraph-drain",
        "Deployment alertgraph-renderer",
        "PersistentVolumeClaim alertgraph-spin-data",
        "Secret alertgraph",
        "Secret alertgraph-runtime-config",
        "Service alertgraph-renderer",
        "SpinApp alertgraph",
    ];
    assert_eq!(kinds(&folder), expected.map(String::from).into());
    let problems = folder.check(&project());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn host_folder_is_consistent() {
    let folder = folder("host");
    let expected = [
        "Deployment alertgraph",
        "PersistentVolumeClaim alertgraph-data",
        "Secret alertgraph",
        "Service alertgraph",
    ];
    assert_eq!(kinds(&folder), expected.map(String::from).into());
    let problems = folder.check(&project());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn sqld_folder_is_consistent() {
    let folder = folder("sqld");
    let expected = [
        "Secret alertgraph-db-auth",
        "Service alertgraph-db",
        "StatefulSet alertgraph-db",
    ];
    assert_eq!(kinds(&folder), expected.map(String::from).into());
    let problems = folder.check(&project());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn host_ha_folders_are_consistent_and_the_host_but_replicated() {
    let set = folders(&["sqld", "host-ha"]);
    let expected = [
        "Deployment alertgraph",
        "PodDisruptionBudget alertgraph",
        "Secret alertgraph",
        "Secret alertgraph-db-auth",
        "Service alertgraph",
        "Service alertgraph-db",
        "StatefulSet alertgraph-db",
    ];
    assert_eq!(kinds(&set), expected.map(String::from).into());
    let problems = set.check(&project());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
    let set = folders(&["sqld", "spinkube-ha"]);
    let expected = [
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
    ];
    assert_eq!(kinds(&set), expected.map(String::from).into());
    let problems = set.check(&project());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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

/// The real spinkube folder's files, with `file`'s text edited by `edit`.
fn spinkube_with(file: &str, edit: impl Fn(&str) -> String) -> Result<Folder, String> {
    edited_folder("spinkube", file, edit)
}

fn host_with(file: &str, edit: impl Fn(&str) -> String) -> Result<Folder, String> {
    edited_folder("host", file, edit)
}

fn edited_folder(name: &str, file: &str, edit: impl Fn(&str) -> String) -> Result<Folder, String> {
    edited_set(&[name], &format!("{name}/{file}"), edit)
}

/// sqld/ with host-ha/, `file` (`folder/name.yaml`) edited.
fn host_ha_with(file: &str, edit: impl Fn(&str) -> String) -> Result<Folder, String> {
    edited_set(&["sqld", "host-ha"], file, edit)
}

/// sqld/ with spinkube-ha/, `file` (`folder/name.yaml`) edited.
fn spinkube_ha_with(file: &str, edit: impl Fn(&str) -> String) -> Result<Folder, String> {
    edited_set(&["sqld", "spinkube-ha"], file, edit)
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
    let problems = cross_problems(spinkube_with("renderer.yaml", |t| {
        t.replace(
            "  selector:\n    app.kubernetes.io/name: alertgraph-renderer",
            "  selector:\n    app.kubernetes.io/name: alertgraph-rendrer",
        )
    }));
    assert_has(
        &problems,
        &[
            "renderer.yaml: Service alertgraph-renderer: selector",
            "matches the pod labels of no Deployment",
        ],
    );
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replacen(
            "      app.kubernetes.io/name: alertgraph\n",
            "      app.kubernetes.io/name: other\n",
            1,
        )
    }));
    assert_has(
        &problems,
        &["Deployment alertgraph: spec.selector.matchLabels"],
    );
}

#[test]
fn cross_check_catches_a_wrong_target_port_and_probe_port() {
    let problems = cross_problems(host_with("service.yaml", |t| {
        t.replace("targetPort: http", "targetPort: 8080")
    }));
    assert_has(&problems, &["Service alertgraph: port 3031 targets 8080, which no container of Deployment alertgraph exposes"]);
    let problems = cross_problems(spinkube_with("renderer.yaml", |t| {
        t.replacen("              port: http", "              port: metrics", 1)
    }));
    assert_has(
        &problems,
        &["container renderer: readinessProbe uses port \"metrics\""],
    );
}

#[test]
fn cross_check_catches_a_port_the_program_does_not_listen_on() {
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace("            - name: STORAGE_DIR", "            - name: PORT\n              value: \"8080\"\n            - name: STORAGE_DIR")
    }));
    assert_has(
        &problems,
        &["container alertgraph: listens on 8080 (PORT as set)"],
    );
}

#[test]
fn cross_check_catches_an_unknown_env_var() {
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace("name: SLACK_CHANNEL", "name: SLACK_CHANEL")
    }));
    assert_has(
        &problems,
        &["env SLACK_CHANEL is not a setting of the alertgraph host"],
    );
    let problems = cross_problems(spinkube_with("renderer.yaml", |t| {
        t.replace("name: LOG_JSON", "name: STORAGE_DIR")
    }));
    assert_has(
        &problems,
        &["env STORAGE_DIR is not a setting of the renderer sidecar"],
    );
}

#[test]
fn cross_check_catches_an_undefined_env_reference() {
    let problems = cross_problems(spinkube_with("drain-cronjob.yaml", |t| {
        t.replace("$(DRAIN_TOKEN)", "$(DRAIN_TOKN)")
    }));
    assert_has(
        &problems,
        &["CronJob alertgraph-drain: container drain: args[6] uses $(DRAIN_TOKN)"],
    );
}

#[test]
fn cross_check_catches_a_missing_secret_or_key() {
    let problems = cross_problems(spinkube_with("secret.yaml", |t| {
        t.replace("  drain-token: change-me\n", "")
    }));
    assert_has(
        &problems,
        &[
            "SpinApp alertgraph: variable drain_token: Secret alertgraph has no key \"drain-token\"",
            "CronJob alertgraph-drain: container drain env DRAIN_TOKEN: Secret alertgraph has no key",
        ],
    );
    let problems = cross_problems(spinkube_with("runtime-config.yaml", |t| {
        t.replace(
            "name: alertgraph-runtime-config",
            "name: alertgraph-runtime",
        )
    }));
    assert_has(&problems, &["runtimeConfig.loadFromSecret: Secret \"alertgraph-runtime-config\" is not defined in this folder"]);
}

#[test]
fn cross_check_catches_spin_variable_mistakes() {
    let problems = cross_problems(spinkube_with("spinapp.yaml", |t| {
        t.replace("name: base_url", "name: base_uri")
    }));
    assert_has(
        &problems,
        &["variable base_uri: is not in spin.toml's [variables]"],
    );
    let problems = cross_problems(spinkube_with("spinapp.yaml", |t| {
        t.replace(
            "    - name: webhook_token\n      valueFrom:\n        secretKeyRef:\n          name: alertgraph\n          key: webhook-token\n",
            "    - name: webhook_token\n      value: hunter2\n",
        )
    }));
    assert_has(
        &problems,
        &["variable webhook_token: is secret in spin.toml, so it must come from a Secret"],
    );
    let problems = cross_problems(spinkube_with("spinapp.yaml", |t| {
        t.replace(
            "http://prometheus.monitoring.svc:9090",
            "http://prometheus.monitoring.svc:9090/prometheus",
        )
    }));
    assert_has(&problems, &["variable prometheus_url: \"http://prometheus.monitoring.svc:9090/prometheus\" goes into allowed_outbound_hosts"]);
}

#[test]
fn cross_check_catches_tokens_from_different_keys() {
    let problems = cross_problems(spinkube_with("drain-cronjob.yaml", |t| {
        t.replace("key: drain-token", "key: webhook-token")
    }));
    assert_has(&problems, &["env DRAIN_TOKEN must come from Secret alertgraph key drain-token like variable drain_token"]);
}

#[test]
fn cross_check_catches_volume_mistakes() {
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace("claimName: alertgraph-data", "claimName: alertgraph-dat")
    }));
    assert_has(
        &problems,
        &["volume data uses PersistentVolumeClaim \"alertgraph-dat\", which is not defined"],
    );
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace("    type: Recreate", "    type: RollingUpdate")
    }));
    assert_has(
        &problems,
        &["uses ReadWriteOnce PersistentVolumeClaim alertgraph-data but not strategy Recreate"],
    );
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace("  replicas: 1", "  replicas: 2")
    }));
    assert_has(
        &problems,
        &["2 replicas share ReadWriteOnce PersistentVolumeClaim alertgraph-data"],
    );
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace(
            "            - name: tmp\n              mountPath",
            "            - name: scratch\n              mountPath",
        )
    }));
    assert_has(
        &problems,
        &["container alertgraph mounts volume \"scratch\" at /tmp, which the pod does not define"],
    );
}

#[test]
fn cross_check_catches_runtime_config_mistakes() {
    let problems = cross_problems(spinkube_with("runtime-config.yaml", |t| {
        t.replace(
            "path = \"/data/alertgraph.db\"",
            "path = \"/var/alertgraph.db\"",
        )
    }));
    assert_has(&problems, &["[sqlite_database.default]: path \"/var/alertgraph.db\" is not on a PersistentVolumeClaim"]);
    let problems = cross_problems(spinkube_with("runtime-config.yaml", |t| {
        t.replace(
            "[sqlite_database.default]\n    type = \"spin\"",
            "[sqlite_database.other]\n    type = \"spin\"",
        )
    }));
    assert_has(&problems, &["[sqlite_database.default]: missing"]);
    let problems = cross_problems(spinkube_with("spinapp.yaml", |t| {
        t.replace("  replicas: 1", "  replicas: 3")
    }));
    assert_has(
        &problems,
        &[
            "a SQLite file serves one replica",
            "3 replicas share ReadWriteOnce",
        ],
    );
    let problems = cross_problems(spinkube_with("runtime-config.yaml", |t| {
        t.replace("type = \"spin\"", "type = \"spin\" type")
    }));
    assert_has(&problems, &["runtime-config.toml is not TOML"]);
}

#[test]
fn cross_check_catches_a_url_to_a_missing_service_or_port() {
    let problems = cross_problems(spinkube_with("drain-cronjob.yaml", |t| {
        t.replace("http://alertgraph:80/", "http://alertgraph:3031/")
    }));
    assert_has(&problems, &["http://alertgraph:3031/api/outbox/drain uses port 3031 of Service alertgraph, which has [80]"]);
    let problems = cross_problems(spinkube_with("spinapp.yaml", |t| {
        t.replace("http://alertgraph-renderer:3032", "http://renderer:3032")
    }));
    assert_has(&problems, &["variable renderer_url: http://renderer:3032 names Service renderer, which this folder does not define"]);
}

#[test]
fn cross_check_catches_root_and_writable_containers() {
    let problems = cross_problems(spinkube_with("renderer.yaml", |t| {
        t.replace(
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false",
        )
        .replace("runAsUser: 10001", "runAsUser: 0")
    }));
    assert_has(&problems, &["container renderer: securityContext lacks runAsNonRoot: true (and a user other than 0), readOnlyRootFilesystem: true"]);
    let problems = cross_problems(spinkube_with("drain-cronjob.yaml", |t| {
        t.replace("drop: [\"ALL\"]", "drop: [\"NET_RAW\"]")
    }));
    assert_has(
        &problems,
        &["container drain: securityContext lacks capabilities.drop: [ALL]"],
    );
}

#[test]
fn cross_check_catches_missing_resources_and_registry_hosts() {
    let problems = cross_problems(spinkube_with("renderer.yaml", |t| {
        t.replace("              memory: 256Mi\n", "")
    }));
    assert_has(
        &problems,
        &["container renderer: resources lack limits.memory"],
    );
    let problems = cross_problems(spinkube_with("spinapp.yaml", |t| {
        t.replace(
            "image: alertgraph-spin:0.1.0",
            "image: registry.example.com:5000/alertgraph-spin:0.1.0",
        )
    }));
    assert_has(&problems, &["SpinApp alertgraph: image \"registry.example.com:5000/alertgraph-spin:0.1.0\": names a registry host"]);
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
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace(
            "            - name: STORAGE_DIR\n              value: /data\n",
            "            - name: STORAGE_DIR\n              value: /data\n            - name: LISTEN_HOST\n              value: 127.0.0.1\n            - name: STORAGE_DIR\n              value: /var\n",
        )
    }));
    assert_has(
        &problems,
        &[
            "container alertgraph: env STORAGE_DIR is set twice",
            "container alertgraph: LISTEN_HOST 127.0.0.1 is loopback",
        ],
    );
}

#[test]
fn cross_check_catches_a_database_without_a_home() {
    let problems = cross_problems(spinkube_with("runtime-config.yaml", |t| {
        t.replace(
            "    type = \"spin\"\n    path = \"/data/alertgraph.db\"\n",
            "    type = \"libsql\"\n    url = \"https://db.example.com\"\n",
        )
    }));
    assert_has(
        &problems,
        &["[sqlite_database.default]: type libsql needs token"],
    );
    let problems = cross_problems(spinkube_with("spinapp.yaml", |t| {
        t.replace(
            "  runtimeConfig:\n    loadFromSecret: alertgraph-runtime-config\n",
            "",
        )
    }));
    assert_has(
        &problems,
        &["SpinApp alertgraph: no runtimeConfig.loadFromSecret: the SQLite databases"],
    );
}

// ---- the highly-available variants: every new check fails on a broken copy ----

#[test]
fn cross_check_catches_statefulset_and_anti_affinity_selectors() {
    let problems = cross_problems(host_ha_with("sqld/statefulset.yaml", |t| {
        t.replace("  serviceName: alertgraph-db", "  serviceName: sqld")
    }));
    assert_has(
        &problems,
        &["StatefulSet alertgraph-db: spec.serviceName sqld is not a Service of this folder"],
    );
    let problems = cross_problems(host_ha_with("sqld/service.yaml", |t| {
        t.replace(
            "  selector:\n    app.kubernetes.io/name: alertgraph-db",
            "  selector:\n    app.kubernetes.io/name: alertgraph-sqld",
        )
    }));
    assert_has(
        &problems,
        &[
            "Service alertgraph-db: selector",
            "matches the pod labels of no Deployment or StatefulSet",
            "spec.serviceName alertgraph-db: that Service's selector",
        ],
    );
    let problems = cross_problems(host_ha_with("host-ha/deployment.yaml", |t| {
        t.replace(
            "                    app.kubernetes.io/name: alertgraph\n",
            "                    app.kubernetes.io/name: alertgrahp\n",
        )
    }));
    assert_has(&problems, &["host-ha/deployment.yaml: Deployment alertgraph: podAntiAffinity (topologyKey kubernetes.io/hostname) selects {\"app.kubernetes.io/name\": \"alertgrahp\"}, the labels of no pods in this folder"]);
}

#[test]
fn cross_check_catches_disruption_budget_mistakes() {
    let problems = cross_problems(host_ha_with("host-ha/pdb.yaml", |t| {
        t.replace("minAvailable: 1", "minAvailable: 2")
    }));
    assert_has(&problems, &["host-ha/pdb.yaml: PodDisruptionBudget alertgraph: lets none of the 2 pods of Deployment alertgraph be evicted"]);
    let problems = cross_problems(host_ha_with("host-ha/pdb.yaml", |t| {
        t.replace(
            "  minAvailable: 1\n",
            "  minAvailable: 1\n  maxUnavailable: 1\n",
        )
    }));
    assert_has(&problems, &["sets both minAvailable and maxUnavailable"]);
    let problems = cross_problems(host_ha_with("host-ha/pdb.yaml", |t| {
        t.replace(
            "      app.kubernetes.io/name: alertgraph\n",
            "      app: alertgraph\n",
        )
    }));
    assert_has(&problems, &["PodDisruptionBudget alertgraph: selector {\"app\": \"alertgraph\"} matches the pods of no Deployment, StatefulSet or SpinApp"]);
    // The SpinApp's pods carry its podLabels: without them the budget covers nothing.
    let problems = cross_problems(spinkube_ha_with("spinkube-ha/spinapp.yaml", |t| {
        t.replace("  podLabels:\n    app.kubernetes.io/name: alertgraph\n", "")
    }));
    assert_has(
        &problems,
        &[
            "spinkube-ha/pdb.yaml: PodDisruptionBudget alertgraph: selector",
            "core.spinkube.dev/app-name",
        ],
    );
    // ... or the operator's own label.
    let problems = cross_problems(spinkube_ha_with("spinkube-ha/pdb.yaml", |t| {
        t.replace(
            "      app.kubernetes.io/name: alertgraph\n",
            "      core.spinkube.dev/app-name: alertgraph\n",
        )
    }));
    assert_eq!(problems, "");
    let problems = cross_problems(spinkube_ha_with("spinkube-ha/spinapp.yaml", |t| {
        t.replace("  replicas: 2", "  replicas: 1")
    }));
    assert_has(
        &problems,
        &["lets none of the 1 pods of SpinApp alertgraph be evicted"],
    );
}

#[test]
fn cross_check_catches_a_host_database_that_does_not_last_or_is_not_shared() {
    let without_server = |t: &str| {
        t.replace(
            "            - name: DB_CONNECTION_STRING\n              value: \"http://alertgraph-db:8080\"\n",
            "",
        )
    };
    let problems = cross_problems(host_ha_with("host-ha/deployment.yaml", without_server));
    assert_has(
        &problems,
        &[
            "container alertgraph: LIBSQL_AUTH_TOKEN is set, but DB_CONNECTION_STRING names no libSQL server",
            "container alertgraph: the SQLite file /data/alertgraph.db is not on a PersistentVolumeClaim",
            "container alertgraph: 2 replicas on the SQLite file /data/alertgraph.db: a file serves one replica",
        ],
    );
    // A file named by DB_CONNECTION_STRING, in the seed's syntax, off the claim.
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace(
            "            - name: STORAGE_DIR\n              value: /data\n",
            "            - name: STORAGE_DIR\n              value: /data\n            - name: DB_CONNECTION_STRING\n              value: \"sqlite:///tmp/slack-app.db?mode=rwc\"\n",
        )
    }));
    assert_has(
        &problems,
        &["the SQLite file /tmp/slack-app.db is not on a PersistentVolumeClaim"],
    );
    let problems = cross_problems(host_with("deployment.yaml", |t| {
        t.replace(
            "              value: /data\n",
            "              value: ./data\n",
        )
    }));
    assert_has(
        &problems,
        &["the SQLite file ./data/alertgraph.db is not on a PersistentVolumeClaim"],
    );
    // The server's URL names a Service of the set, on its port.
    let problems = cross_problems(host_ha_with("host-ha/deployment.yaml", |t| {
        t.replace("http://alertgraph-db:8080", "http://sqld:8080")
    }));
    assert_has(&problems, &["env DB_CONNECTION_STRING: http://sqld:8080 names Service sqld, which this folder does not define"]);
}

#[test]
fn cross_check_catches_a_secret_setting_in_plain_text() {
    let problems = cross_problems(host_ha_with("host-ha/deployment.yaml", |t| {
        t.replace(
            "            - name: LIBSQL_AUTH_TOKEN\n              valueFrom:\n                secretKeyRef:\n                  name: alertgraph\n                  key: libsql-auth-token\n",
            "            - name: LIBSQL_AUTH_TOKEN\n              value: eyJhbGciOiJFZERTQSJ9.e30.c2ln\n",
        )
    }));
    assert_has(&problems, &["container alertgraph: env LIBSQL_AUTH_TOKEN is secret (README's Configuration table): take it from a Secret"]);
}

#[test]
fn cross_check_catches_secrets_that_are_not_placeholders() {
    let problems = cross_problems(host_ha_with("host-ha/secret.yaml", |t| {
        t.replace("slack-bot-token: change-me", "slack-bot-token: xoxb-1234")
    }));
    assert_has(&problems, &["host-ha/secret.yaml: Secret alertgraph: stringData slack-bot-token is not the placeholder change-me"]);
    assert!(
        !problems.contains("xoxb-1234"),
        "the message repeats the secret: {problems}"
    );
    let problems = cross_problems(spinkube_ha_with("spinkube-ha/runtime-config.yaml", |t| {
        t.replace(
            "token = \"change-me\"",
            "token = \"eyJhbGciOiJFZERTQSJ9.e30.c2ln\"",
        )
    }));
    assert_has(&problems, &["Secret alertgraph-runtime-config: stringData runtime-config.toml: a token is not the placeholder change-me"]);
    let problems = cross_problems(host_ha_with("sqld/secret.yaml", |t| {
        t.replace(
            "stringData:\n  jwt-public-key.pem: change-me\n",
            "data:\n  jwt-public-key.pem: Y2hhbmdlLW1l\n",
        )
    }));
    assert_has(&problems, &["Secret alertgraph-db-auth: data [\"jwt-public-key.pem\"]: put placeholders in stringData"]);
}

#[test]
fn cross_check_catches_sqld_mistakes() {
    let sqld_with =
        |edit: &dyn Fn(&str) -> String| cross_problems(host_ha_with("sqld/statefulset.yaml", edit));
    let at = "sqld/statefulset.yaml: StatefulSet alertgraph-db: container sqld: ";
    let problems = sqld_with(&|t| t.replace("  replicas: 1", "  replicas: 2"));
    assert_has(
        &problems,
        &[&format!("{at}2 replicas: sqld is a single writer")],
    );
    let problems = sqld_with(&|t| t.replace("\"0.0.0.0:8080\"", "\"127.0.0.1:8080\""));
    assert_has(
        &problems,
        &[&format!(
            "{at}--http-listen-addr 127.0.0.1:8080 is loopback"
        )],
    );
    let problems = sqld_with(&|t| {
        t.replace(
            "            - \"--http-listen-addr\"\n            - \"0.0.0.0:8080\"\n",
            "",
        )
    });
    assert_has(
        &problems,
        &["--http-listen-addr 127.0.0.1:8080 (sqld's default) is loopback"],
    );
    let problems = sqld_with(&|t| t.replace("\"0.0.0.0:8080\"", "\"0.0.0.0:8081\""));
    assert_has(&problems, &[&format!("{at}sqld listens on 0.0.0.0:8081, whose port is not a containerPort (it has 8080 (http))")]);
    let problems = sqld_with(&|t| t.replace("\"/var/lib/sqld\"", "\"/tmp/sqld\""));
    assert_has(
        &problems,
        &[&format!(
            "{at}--db-path /tmp/sqld is not on a PersistentVolumeClaim"
        )],
    );
    let problems = sqld_with(&|t| {
        t.replace("            - \"--auth-jwt-key-file\"\n            - \"/etc/sqld/jwt-public-key.pem\"\n", "")
    });
    assert_has(&problems, &[&format!("{at}no --auth-jwt-key-file: sqld would let whoever reaches it read and write every alert")]);
    let problems = sqld_with(&|t| {
        t.replace(
            "\"/etc/sqld/jwt-public-key.pem\"",
            "\"/tmp/jwt-public-key.pem\"",
        )
    });
    assert_has(
        &problems,
        &[&format!(
            "{at}--auth-jwt-key-file /tmp/jwt-public-key.pem is not in a mounted Secret"
        )],
    );
    // A mount of the claim template under another name.
    let problems = sqld_with(&|t| {
        t.replace(
            "            - name: data\n              mountPath: /var/lib/sqld",
            "            - name: state\n              mountPath: /var/lib/sqld",
        )
    });
    assert_has(&problems, &["container sqld mounts volume \"state\" at /var/lib/sqld, which the pod does not define"]);
}

#[test]
fn cross_check_catches_a_runtime_config_url_to_a_missing_port() {
    let problems = cross_problems(spinkube_ha_with("spinkube-ha/runtime-config.yaml", |t| {
        t.replace(
            "url = \"http://alertgraph-db:8080\"",
            "url = \"http://alertgraph-db:8081\"",
        )
    }));
    assert_has(&problems, &["SpinApp alertgraph: Secret alertgraph-runtime-config runtime-config.toml: http://alertgraph-db:8081 uses port 8081 of Service alertgraph-db, which has [8080]"]);
    // Without sqld/ the server is not there at all.
    let alone = edited_set(&["spinkube-ha"], "spinkube-ha/pdb.yaml", |t| {
        t.replace("minAvailable: 1", "maxUnavailable: 1")
    });
    assert_has(
        &cross_problems(alone),
        &["names Service alertgraph-db, which this folder does not define"],
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
