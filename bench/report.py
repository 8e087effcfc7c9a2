"""Turns bench/run.sh's JSON lines into a Markdown table with ratios against the baseline."""

import json
import sys


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    webhook = {(r["server"], r["label"]): r["result"] for r in rows if r["bench"] == "webhook"}
    print("## Webhook ack (wh-loadgen, same run; ratio = alertgraph / native baseline)\n")
    print("| load | server | ok/s | p50 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---|")
    labels = sorted({label for _, label in webhook})
    for label in labels:
        for server in ("baseline", "alertgraph"):
            r = webhook.get((server, label))
            if r:
                lat = r["latency_ms"]
                errors = sum(r["errors"].values()) if r["errors"] else 0
                print(f"| {label} | {server} | {r['throughput']:.0f} | {lat['p50']:.3f} | {lat['p99']:.3f} | {errors} |")
        base, ours = webhook.get(("baseline", label)), webhook.get(("alertgraph", label))
        if base and ours:
            print(
                f"| {label} | **ratio** | {ours['throughput'] / base['throughput']:.2f}× "
                f"| {ours['latency_ms']['p50'] / base['latency_ms']['p50']:.2f}× "
                f"| {ours['latency_ms']['p99'] / base['latency_ms']['p99']:.2f}× | |"
            )
    for r in rows:
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


if __name__ == "__main__":
    main(sys.argv[1])
