//! The manifests under deploy/ pass every check, and every check fails on a broken copy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use alertgraph_deploy_check::cross::{image_problem, Folder};
use alertgraph_deploy_check::project::{self, Project};
use alertgraph_deploy_check::schema::{self, check_document, read_documents, yaml_files, Doc};
use alertgraph_deploy_check::{alertmanager, repo_root, slack, spin};

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
    let dir = deploy().join("kubernetes").join(name);
    let docs: Vec<Doc> = kubernetes_documents()
        .into_iter()
        .filter(|(path, _)| path.parent() == Some(dir.as_path()))
        .flat_map(|(_, docs)| docs)
        .collect();
    assert!(!docs.is_empty(), "no manifests in {}", dir.display());
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
        count >= 11,
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
    let dir = deploy().join("kubernetes").join(name);
    let mut files = Vec::new();
    let mut edited = false;
    for path in yaml_files(&dir).unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        let base = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = if base == file {
            let new = edit(&text);
            assert_ne!(new, text, "the edit of {file} changed nothing");
            edited = true;
            new
        } else {
            text
        };
        files.push((base, text));
    }
    assert!(edited, "no file {file} in {name}");
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
