//! Where data lives: volumes and their mounts, Spin runtime configs, the host's database and sqld.

use super::*;

impl Folder {
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

    pub(super) fn spin_app_pvc_mounts(&self, app: &SpinApp) -> Vec<String> {
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
                let at = workload.container_at(container);
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
                let at = workload.container_at(container);
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
