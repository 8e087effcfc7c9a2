//! Whether a folder's objects find each other: selectors, Service and container ports, probes,
//! and the port each program listens on.

use super::*;

impl Folder {
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

    pub(super) fn service_selectors(&self) -> Vec<(&Item, &BTreeMap<String, String>)> {
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
                            "{}: {kind} uses port {}, which the container does \
                             not expose (it has {})",
                            workload.container_at(container),
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
                        "{}: listens on {} (PORT {}), which is not a containerPort \
                         (it has {})",
                        workload.container_at(container),
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
                            "{}: LISTEN_HOST {host} is loopback: nothing outside the \
                             pod (probes, Services) can reach it",
                            workload.container_at(container)
                        ));
                    }
                }
            }
        }
        problems
    }
}
