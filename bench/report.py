"""Turns bench/run.sh's JSON lines into a Markdown table with ratios against the baseline."""

import json
import sys


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    webhook = [r for r in rows if r["bench"] == "webhook"]
    if webhook:
        print_webhook(webhook)
    durability = [r for r in rows if r["bench"] == "durability"]
    if durability:
        print_variant(durability, "Durability (SQLITE_SYNCHRONOUS: full, the default, vs normal; "
                      "interleaved)", "alertgraph", "alertgraph-full", "normal", "full")
    libsql = [r for r in rows if r["bench"] == "libsql"]
    if libsql:
        print_variant(libsql, "A libSQL server (sqld over Hrana, as replicas share it) vs the "
                      "local file (synchronous=normal); interleaved", "alertgraph",
                      "alertgraph-sqld", "file", "sqld")
    for r in rows:
        if r["bench"] == "startup":
            s = r["result"]
            print("\n## Start-up (exec to the first answered /healthz, median of 5)\n")
            print(f"alertgraph: first start (compiles the component) {s['alertgraph_first_ms']} ms, "
                  f"later starts (compiled component from STORAGE_DIR/cache) {s['alertgraph_cached_ms']} ms; "
                  f"native baseline {s['baseline_ms']} ms")
        if r["bench"] == "delivery":
            print_delivery(r["result"])
        if r["bench"] == "instantiate":
            i = r["result"]
            print("\n## Per-request instantiation (pooling allocator, fresh Store each)\n")
            print(f"{i['samples']} samples: p50 {i['p50_us']:.1f} µs, p90 {i['p90_us']:.1f} µs, "
                  f"p99 {i['p99_us']:.1f} µs, mean {i['mean_us']:.1f} µs")
        if r["bench"] == "size":
            s = r["result"]
            print("\n## Component sizes\n")
            print(f"handler.wasm {s['handler'] / 1024:.0f} KiB, store.wasm {s['store'] / 1024:.0f} KiB, "
                  f"composed (embedded) {s['composed'] / 1024:.0f} KiB")
        if r["bench"] == "renderer_wasm":
            w = r["result"]
            print("\n## Renderer: native vs compiled to wasm (same chart, 1180×400)\n")
            print(f"median of {w['samples']}: native {w['native_ms']:.1f} ms, wasm {w['wasm_ms']:.1f} ms "
                  f"({w['ratio']:.2f}×), wasm in a fresh instance {w['wasm_fresh_instance_ms']:.1f} ms "
                  f"({w['fresh_ratio']:.2f}×); renderer_wasm.wasm {w['renderer_wasm_bytes'] / 1024:.0f} KiB, "
                  f"renderer_http.wasm {w['renderer_http_bytes'] / 1024:.0f} KiB")
    chart([r["result"] for r in rows if r["bench"] == "chart"])


def print_webhook(rows):
    """Each load's rounds: baseline and alertgraph ran back to back, so each round gives a
    ratio; the table shows each side's median over the rounds and the ratios' median and
    spread (min–max), which a spell of other load on this shared machine cannot skew alone."""
    print("## Webhook ack (wh-loadgen; baseline and alertgraph interleaved, round by round)\n")
    print("ratio = alertgraph / native baseline in the same round; median over the rounds, "
          "spread min–max in brackets. `closed-c16-slack`: alertgraph with a Slack that answers "
          "(`bench/fake_slack.py`), so each webhook's delivery work runs; the baseline delivers "
          "nothing.\n")
    print("| load | rounds | baseline ok/s | alertgraph ok/s | throughput ratio | p50 ratio "
          "| p99 ratio | baseline p99 ms | alertgraph p99 ms | errors | alertgraph RSS idle / peak MiB (medians) |")
    print("|---|---:|---:|---:|---|---|---|---:|---:|---|---|")
    for label, base, ours, our_rows in paired_rounds(rows, "baseline", "alertgraph"):

        def ratio(pick):
            return spread([pick(o) / pick(b) for o, b in zip(ours, base)])

        errors = error_count(base + ours)
        rss = [r.get("rss_kib") for r in our_rows]
        memory = (f"{median([m['idle'] for m in rss]) / 1024:.0f} / {median([m['peak'] for m in rss]) / 1024:.0f}"
                  if all(rss) else "")
        print(f"| {label} | {len(base)} | {median([r['throughput'] for r in base]):,.0f} "
              f"| {median([r['throughput'] for r in ours]):,.0f} "
              f"| {ratio(lambda r: r['throughput'])} "
              f"| {ratio(lambda r: r['latency_ms']['p50'])} "
              f"| {ratio(lambda r: r['latency_ms']['p99'])} "
              f"| {median([r['latency_ms']['p99'] for r in base]):.2f} "
              f"| {median([r['latency_ms']['p99'] for r in ours]):.2f} | {errors} | {memory} |")


def print_variant(rows, title, a, b, a_name, b_name):
    """alertgraph as `b` against alertgraph as `a`, each round back to back like the webhook
    table: the ratio is b / a in the same round."""
    print(f"\n## {title}\n")
    print(f"ratio = {b_name} / {a_name} in the same round; median over the rounds, spread min–max.\n")
    print(f"| load | rounds | {a_name} ok/s | {b_name} ok/s | throughput ratio | {a_name} p99 ms "
          f"| {b_name} p99 ms | p99 ratio | errors |")
    print("|---|---:|---:|---:|---|---:|---:|---|---|")
    for label, ours, theirs, _ in paired_rounds(rows, a, b):
        errors = error_count(ours + theirs)
        print(f"| {label} | {len(ours)} | {median([r['throughput'] for r in ours]):,.0f} "
              f"| {median([r['throughput'] for r in theirs]):,.0f} "
              f"| {spread([t['throughput'] / o['throughput'] for t, o in zip(theirs, ours)])} "
              f"| {median([r['latency_ms']['p99'] for r in ours]):.2f} "
              f"| {median([r['latency_ms']['p99'] for r in theirs]):.2f} "
              f"| {spread([t['latency_ms']['p99'] / o['latency_ms']['p99'] for t, o in zip(theirs, ours)])} "
              f"| {errors} |")


def paired_rounds(rows, a, b):
    """Per load, in load order, from the rounds that ran both servers: a's results, b's
    results, and b's whole rows."""
    runs = {}
    for r in rows:
        runs.setdefault(r["label"], {}).setdefault(r.get("round", 1), {})[r["server"]] = r
    for label in sorted(runs, key=load_order):
        pairs = [p for p in runs[label].values() if a in p and b in p]
        if pairs:
            yield (label, [p[a]["result"] for p in pairs], [p[b]["result"] for p in pairs],
                   [p[b] for p in pairs])


def error_count(results):
    return sum(sum(r["errors"].values()) if r["errors"] else 0 for r in results)


def load_order(label):
    order = ["closed-c1", "closed-c16", "open-2000", "closed-c16-slack"]
    return (order.index(label) if label in order else len(order), label)


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def spread(ratios):
    return f"{median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"


def print_delivery(d):
    print("\n## Delivery end to end (webhook to the message in the fake Slack, real Prometheus chart)\n")
    print(f"{d['singles']} single alerts ({d['single_charted']} with their chart): p50 {d['single_p50_ms']:.1f} ms, "
          f"p90 {d['single_p90_ms']:.1f} ms, p99 {d['single_p99_ms']:.1f} ms, max {d['single_max_ms']:.1f} ms "
          "(targets: p50 < 100 ms, p99 < 300 ms).\n")
    print(f"Burst: {d['burst']:,} alerts over {d['burst_sent_s']:.0f} s to {d['burst_channels']} channels, all "
          f"delivered after {d['burst_drained_s']:.1f} s; the channel pace (one message per second each) allows "
          f"{d['burst_minimum_s']:.0f} s at best ({d['burst_drained_s'] / d['burst_minimum_s']:.2f}×). Smallest gap "
          f"between two posts to one channel as they reach Slack: {d['min_channel_gap_ms']:.0f} ms. Host RSS "
          f"idle {d['rss_idle_kib'] / 1024:.0f} MiB, peak {d['rss_peak_kib'] / 1024:.0f} MiB (target < 60 MB), "
          f"on a start with the compiled component cached; a first start idles at "
          f"{d['rss_first_start_idle_kib'] / 1024:.0f} MiB.")


CPU = "total thread-CPU time"
CHART_TARGET = 15.0
PNG_TARGET = 100_000


def chart(results):
    """The bench-anchors chart: each peer's thread-CPU time per chart against ours."""
    ours = next((r for r in results if r["peer"] == "alertgraph"), None)
    if not ours:
        return
    print("\n## Chart render (bench-anchors chart, 1180×400, 3 × 360 points; same run)\n")
    print("Whole chart, SVG to PNG bytes. Ratio = the peer's thread-CPU median / ours "
          f"(target ≥ {CHART_TARGET:.0f}×; PNG ≤ {PNG_TARGET // 1000} KB).\n")
    print("| peer | thread-CPU median ms | p95 ms | min ms | wall median ms | PNG bytes | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    mine = ours["stages"][CPU]["median_ms"]
    for r in [ours] + [r for r in results if r is not ours]:
        cpu, wall = r["stages"][CPU], r["stages"]["total"]
        ratio = cpu["median_ms"] / mine
        verdict = "" if r is ours else (" ✓" if ratio >= CHART_TARGET else " ✗")
        print(f"| {r['peer']} | {cpu['median_ms']:.2f} | {cpu['p95_ms']:.2f} | {cpu['min_ms']:.2f} "
              f"| {wall['median_ms']:.2f} | {r.get('png_bytes', 0):,} | {ratio:.1f}×{verdict} |")
    print("\nalertgraph per stage (median ms, thread CPU / wall):")
    for stage in ("svg_build", "usvg_parse+text", "raster", "png_encode"):
        cpu, wall = ours["stages"][stage + " thread-CPU time"], ours["stages"][stage]
        print(f"- {stage}: {cpu['median_ms']:.3f} / {wall['median_ms']:.3f}")
    size = ours.get("png_bytes", 0)
    print(f"\nPNG {size:,} bytes ({'within' if size <= PNG_TARGET else 'over'} the target).")


if __name__ == "__main__":
    main(sys.argv[1])
