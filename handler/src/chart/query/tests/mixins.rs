//! Rule expressions of the common mixins (node exporter, Kubernetes, kube-prometheus,
//! Prometheus, SLOs), each split into its plotted series, threshold and unit.

use super::*;

#[test]
fn node_exporter_mixin() {
    use Comparison::*;
    // NodeFilesystemSpaceFillingUp: the free share, not the filter around it.
    check(
        r#"(
  node_filesystem_avail_bytes{job="node-exporter",fstype!="",mountpoint!=""} / node_filesystem_size_bytes{job="node-exporter",fstype!="",mountpoint!=""} * 100 < 15
and
  predict_linear(node_filesystem_avail_bytes{job="node-exporter",fstype!="",mountpoint!=""}[6h], 24*60*60) < 0
and
  node_filesystem_readonly{job="node-exporter",fstype!="",mountpoint!=""} == 0
)"#,
        r#"node_filesystem_avail_bytes{fstype!="",job="node-exporter",mountpoint!=""} / node_filesystem_size_bytes{fstype!="",job="node-exporter",mountpoint!=""} * 100"#,
        at(15.0, Lt),
        Unit::Percent,
    );
    // NodeFileDescriptorLimit: `a * 100 / b` of one metric family.
    check(
        r#"(
  node_filefd_allocated{job="node-exporter"} * 100 / node_filefd_maximum{job="node-exporter"} > 70
)"#,
        r#"node_filefd_allocated{job="node-exporter"} * 100 / node_filefd_maximum{job="node-exporter"}"#,
        at(70.0, Gt),
        Unit::Percent,
    );
    // NodeHighNumberConntrackEntriesUsed
    check(
        r#"(node_nf_conntrack_entries{job="node-exporter"} / node_nf_conntrack_entries_limit) > 0.75"#,
        r#"node_nf_conntrack_entries{job="node-exporter"} / node_nf_conntrack_entries_limit"#,
        at(0.75, Gt),
        Unit::Ratio,
    );
    // NodeClockSkewDetected: `or` of two conditions, the first is charted.
    check(
        r#"(
  node_timex_offset_seconds{job="node-exporter"} > 0.05
and
  deriv(node_timex_offset_seconds{job="node-exporter"}[5m]) >= 0
)
or
(
  node_timex_offset_seconds{job="node-exporter"} < -0.05
and
  deriv(node_timex_offset_seconds{job="node-exporter"}[5m]) <= 0
)"#,
        r#"node_timex_offset_seconds{job="node-exporter"}"#,
        at(0.05, Gt),
        Unit::Seconds,
    );
    // NodeNetworkReceiveErrs: errors over packets.
    check(
        r#"rate(node_network_receive_errs_total{job="node-exporter"}[2m]) / rate(node_network_receive_packets_total{job="node-exporter"}[2m]) > 0.01"#,
        r#"rate(node_network_receive_errs_total{job="node-exporter"}[2m]) / rate(node_network_receive_packets_total{job="node-exporter"}[2m])"#,
        at(0.01, Gt),
        Unit::Ratio,
    );
    // NodeCPUHighUsage: CPU seconds per second, times 100.
    check(
        r#"sum without(mode) (avg without (cpu) (rate(node_cpu_seconds_total{job="node-exporter", mode!~"idle|iowait"}[2m]))) * 100 > 90"#,
        r#"sum without (mode) (avg without (cpu) (rate(node_cpu_seconds_total{job="node-exporter",mode!~"idle|iowait"}[2m]))) * 100"#,
        at(90.0, Gt),
        Unit::Percent,
    );
    // NodeMemoryHighUtilization: `100 - percentage`.
    check(
        r#"100 - (node_memory_MemAvailable_bytes{job="node-exporter"} / node_memory_MemTotal_bytes{job="node-exporter"} * 100) > 90"#,
        r#"100 - (node_memory_MemAvailable_bytes{job="node-exporter"} / node_memory_MemTotal_bytes{job="node-exporter"} * 100)"#,
        at(90.0, Gt),
        Unit::Percent,
    );
    // NodeSystemSaturation: load per CPU has no unit.
    check(
        r#"node_load1{job="node-exporter"}
/ count without (cpu, mode) (node_cpu_seconds_total{job="node-exporter", mode="idle"}) > 2"#,
        r#"node_load1{job="node-exporter"} / count without (cpu, mode) (node_cpu_seconds_total{job="node-exporter",mode="idle"})"#,
        at(2.0, Gt),
        Unit::Plain,
    );
}

#[test]
fn kubernetes_mixin() {
    use Comparison::*;
    // KubePodCrashLooping
    check(
        r#"max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1"#,
        r#"max_over_time(kube_pod_container_status_waiting_reason{job="kube-state-metrics",reason="CrashLoopBackOff"}[5m])"#,
        at(1.0, Ge),
        Unit::Plain,
    );
    // KubePersistentVolumeFillingUp: `and`, then two `unless`.
    check(
        r#"(
  kubelet_volume_stats_available_bytes{job="kubelet", metrics_path="/metrics"}
    /
  kubelet_volume_stats_capacity_bytes{job="kubelet", metrics_path="/metrics"}
) < 0.15
and
kubelet_volume_stats_used_bytes{job="kubelet", metrics_path="/metrics"} > 0
and
predict_linear(kubelet_volume_stats_available_bytes{job="kubelet", metrics_path="/metrics"}[6h], 4 * 24 * 3600) < 0
unless on(cluster, namespace, persistentvolumeclaim)
kube_persistentvolumeclaim_access_mode{ access_mode="ReadOnlyMany"} == 1
unless on(cluster, namespace, persistentvolumeclaim)
kube_persistentvolumeclaim_labels{label_excluded_from_alerts="true"} == 1"#,
        r#"kubelet_volume_stats_available_bytes{job="kubelet",metrics_path="/metrics"} / kubelet_volume_stats_capacity_bytes{job="kubelet",metrics_path="/metrics"}"#,
        at(0.15, Lt),
        Unit::Ratio,
    );
    // KubeAPIErrorBudgetBurn: the threshold is arithmetic of constants.
    check(
        r#"sum by(cluster) (apiserver_request:burnrate1h) > (14.40 * 0.01000)
and on(cluster)
sum by(cluster) (apiserver_request:burnrate5m) > (14.40 * 0.01000)"#,
        "sum by (cluster) (apiserver_request:burnrate1h)",
        at(14.4 * 0.01, Gt),
        Unit::Ratio,
    );
    // CPUThrottlingHigh: increases of counters through topk and sum.
    check(
        r#"sum without (id, metrics_path, name, image, endpoint, job, node) (
  topk by (cluster, namespace, pod, container, instance) (1,
    increase(
      container_cpu_cfs_throttled_periods_total{container!="", job="kubelet", metrics_path="/metrics/cadvisor", }
    [5m])
  )
)
/ on (cluster, namespace, pod, container, instance) group_left
sum without (id, metrics_path, name, image, endpoint, job, node) (
  topk by (cluster, namespace, pod, container, instance) (1,
    increase(
      container_cpu_cfs_periods_total{job="kubelet", metrics_path="/metrics/cadvisor", }
    [5m])
  )
)
> ( 25 / 100 )"#,
        r#"sum without (id, metrics_path, name, image, endpoint, job, node) (topk by (cluster, namespace, pod, container, instance) (1, increase(container_cpu_cfs_throttled_periods_total{container!="",job="kubelet",metrics_path="/metrics/cadvisor"}[5m]))) / on (cluster, namespace, pod, container, instance) group_left () sum without (id, metrics_path, name, image, endpoint, job, node) (topk by (cluster, namespace, pod, container, instance) (1, increase(container_cpu_cfs_periods_total{job="kubelet",metrics_path="/metrics/cadvisor"}[5m])))"#,
        at(0.25, Gt),
        Unit::Ratio,
    );
    // KubeClientCertificateExpiration: a quantile of `_seconds_bucket`.
    check(
        r#"histogram_quantile(0.01, sum without (namespace, service, endpoint) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[5m]))) < 604800
and
on(job, cluster, instance) apiserver_client_certificate_expiration_seconds_count{job="apiserver"} > 0"#,
        r#"histogram_quantile(0.01, sum without (namespace, service, endpoint) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[5m])))"#,
        at(604_800.0, Lt),
        Unit::Seconds,
    );
    // KubeletPodStartUpLatencyHigh: joined with an info metric, still seconds.
    check(
        r#"histogram_quantile(0.99,
  sum by (cluster, instance, le) (
    topk by (cluster, instance, le, operation_type) (1,
      rate(kubelet_pod_worker_duration_seconds_bucket{job="kubelet", metrics_path="/metrics"}[5m])
    )
  )
)
* on(cluster, instance) group_left(node)
topk by (cluster, instance, node) (1,
  kubelet_node_name{job="kubelet", metrics_path="/metrics"}
)
> 60"#,
        r#"histogram_quantile(0.99, sum by (cluster, instance, le) (topk by (cluster, instance, le, operation_type) (1, rate(kubelet_pod_worker_duration_seconds_bucket{job="kubelet",metrics_path="/metrics"}[5m])))) * on (cluster, instance) group_left (node) topk by (cluster, instance, node) (1, kubelet_node_name{job="kubelet",metrics_path="/metrics"})"#,
        at(60.0, Gt),
        Unit::Seconds,
    );
    // KubeletPlegDurationHigh: a recorded histogram quantile of seconds.
    check(
        r#"node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile{quantile="0.99"} >= 10"#,
        r#"node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile{quantile="0.99"}"#,
        at(10.0, Ge),
        Unit::Seconds,
    );
    // KubeQuotaAlmostFull: the band `> 0.9 < 1`, charted against its first bound.
    check(
        r#"topk by (cluster, namespace, resource, resourcequota) (1,
  max without (instance, job, type) (
    kube_resourcequota{job="kube-state-metrics", type="used"}
  )
)
/ on (cluster, namespace, resource, resourcequota) group_left()
topk by (cluster, namespace, resource, resourcequota) (1,
  max without (instance, job, type) (
    kube_resourcequota{job="kube-state-metrics", type="hard"}
  ) > 0
)
> 0.9 < 1"#,
        r#"topk by (cluster, namespace, resource, resourcequota) (1, max without (instance, job, type) (kube_resourcequota{job="kube-state-metrics",type="used"})) / on (cluster, namespace, resource, resourcequota) group_left () topk by (cluster, namespace, resource, resourcequota) (1, max without (instance, job, type) (kube_resourcequota{job="kube-state-metrics",type="hard"}) > 0)"#,
        at(0.9, Gt),
        Unit::Ratio,
    );
    // KubeHpaMaxedOut: two series compared, no line to draw.
    check(
        r#"(
  kube_horizontalpodautoscaler_status_current_replicas{job="kube-state-metrics"}
    ==
  kube_horizontalpodautoscaler_spec_max_replicas{job="kube-state-metrics"}
)
and on(namespace, horizontalpodautoscaler, cluster) (
  kube_horizontalpodautoscaler_spec_max_replicas{job="kube-state-metrics"}
    !=
  kube_horizontalpodautoscaler_spec_min_replicas{job="kube-state-metrics"}
)"#,
        r#"kube_horizontalpodautoscaler_status_current_replicas{job="kube-state-metrics"}"#,
        None,
        Unit::Plain,
    );
    // KubeJobNotCompleted: `time() - start` is an age.
    check(
        r#"time() - max by(namespace, job_name, cluster) (kube_job_status_start_time{job="kube-state-metrics"}
  and
kube_job_status_active{job="kube-state-metrics"} > 0) > 43200"#,
        r#"time() - max by (namespace, job_name, cluster) (kube_job_status_start_time{job="kube-state-metrics"} and kube_job_status_active{job="kube-state-metrics"} > 0)"#,
        at(43_200.0, Gt),
        Unit::Seconds,
    );
    // KubeAPIDown: nothing to split.
    check(
        r#"absent(up{job="apiserver"})"#,
        r#"absent(up{job="apiserver"})"#,
        None,
        Unit::Plain,
    );
    // KubeAPIInstanceUnreachable: `== 0` is a comparison with a constant too.
    check(
        r#"up{job="apiserver"} == 0"#,
        r#"up{job="apiserver"}"#,
        at(0.0, Eq),
        Unit::Plain,
    );
    // KubeAPITerminatedRequests: a counter rate over a sum of counter rates.
    check(
        r#"sum by(cluster) (rate(apiserver_request_terminations_total{job="apiserver"}[10m])) / ( sum by(cluster) (rate(apiserver_request_total{job="apiserver"}[10m])) + sum by(cluster) (rate(apiserver_request_terminations_total{job="apiserver"}[10m])) ) > 0.20"#,
        r#"sum by (cluster) (rate(apiserver_request_terminations_total{job="apiserver"}[10m])) / (sum by (cluster) (rate(apiserver_request_total{job="apiserver"}[10m])) + sum by (cluster) (rate(apiserver_request_terminations_total{job="apiserver"}[10m])))"#,
        at(0.2, Gt),
        Unit::Ratio,
    );
}

#[test]
fn kube_prometheus_and_prometheus_mixins() {
    use Comparison::*;
    // TargetDown (kube-prometheus): share of targets down, as a percentage.
    check(
            "100 * (count(up == 0) BY (cluster, job, namespace, service) / count(up) BY (cluster, job, namespace, service)) > 10",
            "100 * (count by (cluster, job, namespace, service) (up == 0) / count by (cluster, job, namespace, service) (up))",
            at(10.0, Gt),
            Unit::Percent,
        );
    // Watchdog (kube-prometheus)
    check("vector(1)", "vector(1)", None, Unit::Plain);
    // AlertmanagerFailedToSendAlerts (alertmanager mixin)
    check(
        r#"(
  rate(alertmanager_notifications_failed_total{job="alertmanager-main",container="alertmanager",namespace="monitoring"}[15m])
/
  ignoring (reason) group_left rate(alertmanager_notifications_total{job="alertmanager-main",container="alertmanager",namespace="monitoring"}[15m])
)
> 0.01"#,
        r#"rate(alertmanager_notifications_failed_total{container="alertmanager",job="alertmanager-main",namespace="monitoring"}[15m]) / ignoring (reason) group_left () rate(alertmanager_notifications_total{container="alertmanager",job="alertmanager-main",namespace="monitoring"}[15m])"#,
        at(0.01, Gt),
        Unit::Ratio,
    );
    // PrometheusRemoteWriteBehind (prometheus mixin): seconds minus seconds.
    check(
        r#"# Without max_over_time, failed scrapes could create false negatives.
(
  max_over_time(prometheus_remote_storage_queue_highest_timestamp_seconds{job="prometheus-k8s",namespace="monitoring"}[5m])
-
  max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{job="prometheus-k8s",namespace="monitoring"}[5m])
)
> 120"#,
        r#"max_over_time(prometheus_remote_storage_queue_highest_timestamp_seconds{job="prometheus-k8s",namespace="monitoring"}[5m]) - max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds{job="prometheus-k8s",namespace="monitoring"}[5m])"#,
        at(120.0, Gt),
        Unit::Seconds,
    );
    // PrometheusNotConnectedToAlertmanagers (prometheus mixin)
    check(
        r#"max_over_time(prometheus_notifications_alertmanagers_discovered{job="prometheus-k8s",namespace="monitoring"}[5m]) < 1"#,
        r#"max_over_time(prometheus_notifications_alertmanagers_discovered{job="prometheus-k8s",namespace="monitoring"}[5m])"#,
        at(1.0, Lt),
        Unit::Plain,
    );
    // PrometheusOperatorNotReady (prometheus-operator mixin): `min(x == 0)` charts `min(x)`.
    check(
        r#"min by (cluster,controller,namespace) (max_over_time(prometheus_operator_ready{job="prometheus-operator",namespace="monitoring"}[5m]) == 0)"#,
        r#"min by (cluster, controller, namespace) (max_over_time(prometheus_operator_ready{job="prometheus-operator",namespace="monitoring"}[5m]))"#,
        at(0.0, Eq),
        Unit::Plain,
    );
    // GrafanaRequestsFailing (grafana mixin): `100 * a / b` of recorded rates.
    check(
        r#"100 * sum without (status_code) (namespace_job_handler_statuscode:grafana_http_request_duration_seconds_count:rate5m{handler!~"/api/datasources/proxy/:id.*|/api/ds/query|/api/tsdb/query", status_code=~"5.."})
/
sum without (status_code) (namespace_job_handler_statuscode:grafana_http_request_duration_seconds_count:rate5m{handler!~"/api/datasources/proxy/:id.*|/api/ds/query|/api/tsdb/query"})
> 50"#,
        r#"100 * sum without (status_code) (namespace_job_handler_statuscode:grafana_http_request_duration_seconds_count:rate5m{handler!~"/api/datasources/proxy/:id.*|/api/ds/query|/api/tsdb/query",status_code=~"5.."}) / sum without (status_code) (namespace_job_handler_statuscode:grafana_http_request_duration_seconds_count:rate5m{handler!~"/api/datasources/proxy/:id.*|/api/ds/query|/api/tsdb/query"})"#,
        at(50.0, Gt),
        Unit::Percent,
    );
}

#[test]
fn slo_and_common_alerts() {
    use Comparison::*;
    // A Sloth page alert: burn rates compared inside `max(…) without (sloth_window)`.
    check(
        r#"(
    max(slo:sli_error:ratio_rate5m{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"} > (14.4 * 0.001)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate1h{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"} > (14.4 * 0.001)) without (sloth_window)
)
or
(
    max(slo:sli_error:ratio_rate30m{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"} > (6 * 0.001)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate6h{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"} > (6 * 0.001)) without (sloth_window)
)"#,
        r#"max without (sloth_window) (slo:sli_error:ratio_rate5m{sloth_id="checkout-requests-availability",sloth_service="checkout",sloth_slo="requests-availability"})"#,
        at(14.4 * 0.001, Gt),
        Unit::Ratio,
    );
    // A Sloth alert without the `max` wrapper, `ignoring` the window label.
    check(
        r#"(slo:sli_error:ratio_rate5m{sloth_id="x"} > (14.4 * 0.001)) and ignoring (sloth_window) (slo:sli_error:ratio_rate1h{sloth_id="x"} > (14.4 * 0.001))"#,
        r#"slo:sli_error:ratio_rate5m{sloth_id="x"}"#,
        at(14.4 * 0.001, Gt),
        Unit::Ratio,
    );
    // HighErrorRate (Prometheus' documentation example, this project's fixture).
    check(
        r#"sum by (service) (rate(http_requests_total{code="500"}[1m])) / sum by (service) (rate(http_requests_total[1m])) > 0.05"#,
        r#"sum by (service) (rate(http_requests_total{code="500"}[1m])) / sum by (service) (rate(http_requests_total[1m]))"#,
        at(0.05, Gt),
        Unit::Ratio,
    );
    // HostHighCpuLoad (awesome-prometheus-alerts)
    check(
        r#"100 - (avg by(instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])) * 100) > 80"#,
        r#"100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])) * 100)"#,
        at(80.0, Gt),
        Unit::Percent,
    );
}
