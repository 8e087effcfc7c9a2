#!/usr/bin/env bash
# alertgraph benchmarks, each against a baseline measured in the same run (this machine is
# shared and noisy: compare ratios, not absolute times). Writes bench/results/latest.md and
# the raw JSON lines beside it. 127.0.0.1 only; every process started here is stopped here.
#
# Usage: bench/run.sh            (env: DURATION=10 WARMUP=2 PORT=18090 ANCHORS=../shared/bench-anchors
#                                 ONLY=<section> for one of webhook, durability, libsql, startup, instantiate,
#                                 renderer_wasm, delivery, size, chart; CHART_ITERS=200 CHART_WARMUP=20
#                                 ROUNDS=3: webhook loads run baseline, alertgraph, baseline, … this often)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ANCHORS="${ANCHORS:-$ROOT/../shared/bench-anchors}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
PORT="${PORT:-18090}"
ONLY="${ONLY:-all}"
CHART_ITERS="${CHART_ITERS:-200}"
CHART_WARMUP="${CHART_WARMUP:-20}"
ROUNDS="${ROUNDS:-3}"
SLACK_PORT=$((PORT + 1))
SQLD_PORT=$((PORT + 2))
SQLD="${SQLD:-$ROOT/../shared/tools/sqld}"
TOKEN="bench-token"
BODY="$ROOT/tests/fixtures/alertmanager-0.25/firing.json"
OUT="$ROOT/bench/results"
mkdir -p "$OUT"
RAW="$OUT/latest.jsonl"
if [ "$ONLY" != all ]; then
  # Keep the other sections' last results: only this section's lines are replaced.
  touch "$RAW"
  grep -v "^{\"bench\":\"$ONLY\"" "$RAW" > "$RAW.tmp" || true
  mv "$RAW.tmp" "$RAW"
else
  : > "$RAW"
fi
want() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ]; }

ANCHOR_BIN="$ROOT/target/anchors/release"
if [ "$ONLY" != chart ]; then
  echo "== building alertgraph (release) and the webhook anchors" >&2
  cargo build --release -q
  cargo bench -q -p alertgraph --bench instantiate --bench delivery --no-run
  CARGO_TARGET_DIR="$ROOT/target/anchors" cargo build --release -q --manifest-path "$ANCHORS/webhook/Cargo.toml"
fi

WORK=$(mktemp -d)
SERVER_PID=""
SLACK_PID=""
SQLD_PID=""
cleanup() {
  for pid in $SERVER_PID $SLACK_PID $SQLD_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_healthy() {
  for _ in $(seq 6000); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.005
  done
  echo "server on :$PORT did not become healthy" >&2
  return 1
}

start_server() { # name [keep|cold]: a fresh database (alertgraph's compiled cache kept); keep: the
  # same database; cold: nothing kept, so alertgraph compiles its component again.
  # alertgraph-slack: alertgraph posting to bench/fake_slack.py, so each webhook's delivery runs
  # alertgraph: SQLITE_SYNCHRONOUS=normal, the baseline's durability; alertgraph-full: full.
  local name="${1%-slack}"
  name="${name%-full}"
  local db="$WORK/db-${name%-sqld}"
  case "${2:-}" in
    keep) ;;
    cold) rm -rf "$db" ;;
    *) if [ -d "$db" ]; then find "$db" -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +; fi ;;
  esac
  mkdir -p "$db"
  case "$1" in
    baseline)
      PORT="$PORT" WEBHOOK_TOKEN="$TOKEN" "$ANCHOR_BIN/wh-baseline" --db "$db/bench.db" 2>"$WORK/server.log" &
      ;;
    alertgraph|alertgraph-full)
      local synchronous=normal
      [ "$1" = alertgraph-full ] && synchronous=full
      env -i PATH="$PATH" LISTEN_HOST=127.0.0.1 PORT="$PORT" STORAGE_DIR="$db" WEBHOOK_TOKEN="$TOKEN" \
        SQLITE_SYNCHRONOUS="$synchronous" RUST_LOG=warn "$ROOT/target/release/alertgraph" 2>"$WORK/server.log" &
      ;;
    alertgraph-sqld)
      # A fresh sqld database each time, like the file's.
      rm -rf "$WORK/sqld"
      "$SQLD" --http-listen-addr "127.0.0.1:$SQLD_PORT" --db-path "$WORK/sqld" --no-welcome \
        >"$WORK/sqld.log" 2>&1 &
      SQLD_PID=$!
      for _ in $(seq 600); do curl -sf "http://127.0.0.1:$SQLD_PORT/health" >/dev/null && break; sleep 0.05; done
      env -i PATH="$PATH" LISTEN_HOST=127.0.0.1 PORT="$PORT" STORAGE_DIR="$db" WEBHOOK_TOKEN="$TOKEN" \
        DB_CONNECTION_STRING="http://127.0.0.1:$SQLD_PORT" RUST_LOG=warn \
        "$ROOT/target/release/alertgraph" 2>"$WORK/server.log" &
      ;;
    alertgraph-slack)
      env -i PATH="$PATH" LISTEN_HOST=127.0.0.1 PORT="$PORT" STORAGE_DIR="$db" WEBHOOK_TOKEN="$TOKEN" \
        SQLITE_SYNCHRONOUS=normal SLACK_BOT_TOKEN=xoxb-bench SLACK_API_URL="http://127.0.0.1:$SLACK_PORT/api" \
        RUST_LOG=warn "$ROOT/target/release/alertgraph" 2>"$WORK/server.log" &
      ;;
  esac
  SERVER_PID=$!
  wait_healthy
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  if [ -n "$SQLD_PID" ]; then kill "$SQLD_PID"; wait "$SQLD_PID" 2>/dev/null || true; SQLD_PID=""; fi
}

rss_kib() { awk '/^Rss:/{print $2}' "/proc/$SERVER_PID/smaps_rollup"; }

load() { # section server label round loadgen-args...
  local section="$1" server="$2" label="$3" round="$4"; shift 4
  start_server "$server"
  local idle peak=0 rss line
  idle=$(rss_kib)
  timeout 300 "$ANCHOR_BIN/wh-loadgen" --url "http://127.0.0.1:$PORT/api/alerts" --body "$BODY" \
    --header "Authorization: Bearer $TOKEN" --unique-fingerprints \
    --duration "$DURATION" --warmup "$WARMUP" "$@" > "$WORK/load.json" &
  local loadgen=$!
  # The server's resident memory, sampled every 100 ms while the load runs.
  while kill -0 "$loadgen" 2>/dev/null; do
    rss=$(rss_kib); [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.1
  done
  wait "$loadgen"
  line=$(cat "$WORK/load.json")
  stop_server
  echo "{\"bench\":\"$section\",\"server\":\"${server%-slack}\",\"label\":\"$label\",\"round\":$round,\"rss_kib\":{\"idle\":$idle,\"peak\":$peak},\"result\":$line}" >> "$RAW"
  echo "  round $round $server $label: $(echo "$line" | jq -c '{throughput, p50: .latency_ms.p50, p99: .latency_ms.p99, errors}') RSS idle $idle KiB, peak $peak KiB" >&2
}

# Exec to the first answered /healthz, in ms (polling every 5 ms).
time_to_healthy() { # server [keep|cold]
  local started ended
  started=$(date +%s%N)
  start_server "$@" >/dev/null
  ended=$(date +%s%N)
  stop_server
  echo $(( (ended - started) / 1000000 ))
}

# alertgraph's first start compiles the component; later ones map it from STORAGE_DIR/cache.
startup() {
  echo "== start-up: exec to the first served request" >&2
  local first cached=() baseline=()
  first=$(time_to_healthy alertgraph cold)
  for _ in 1 2 3 4 5; do
    cached+=("$(time_to_healthy alertgraph keep)")
    baseline+=("$(time_to_healthy baseline)")
  done
  median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
  echo "{\"bench\":\"startup\",\"result\":{\"alertgraph_first_ms\":$first,\"alertgraph_cached_ms\":$(median "${cached[@]}"),\"baseline_ms\":$(median "${baseline[@]}")}}" >> "$RAW"
  echo "  alertgraph first $first ms, cached $(median "${cached[@]}") ms, baseline $(median "${baseline[@]}") ms (medians of 5)" >&2
}

# The chart as alertgraph draws it (SVG build, usvg parse with text layout, raster, PNG encode)
# against the bench-anchors peers drawing the same chart from the same data, same iterations.
chart() {
  echo "== chart: alertgraph vs pygal → resvg_py and matplotlib (thread CPU time per chart)" >&2
  cargo bench -q -p alertgraph-handler --bench chart --no-run
  local venv="$ROOT/target/anchors-venv" peers=yes
  if ! { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } ||
     ! "$venv/bin/pip" install -q -r "$ANCHORS/requirements.txt" >&2; then
    echo "   pip could not install $ANCHORS/requirements.txt: the chart peers are skipped" >&2
    peers=no
  fi
  local args=(--iters "$CHART_ITERS" --warmup "$CHART_WARMUP")
  if [ "$peers" = yes ]; then
    (cd "$ANCHORS" && "$venv/bin/python" bench_pygal.py --raster resvg "${args[@]}" --json "$WORK/chart-pygal.json" >&2)
    jq -c '{bench: "chart", result: .}' "$WORK/chart-pygal.json" >> "$RAW"
    (cd "$ANCHORS" && "$venv/bin/python" bench_mpl.py "${args[@]}" --json "$WORK/chart-mpl.json" >&2)
    jq -c '{bench: "chart", result: .}' "$WORK/chart-mpl.json" >> "$RAW"
  fi
  cargo bench -q -p alertgraph-handler --bench chart -- --data "$ANCHORS/data.csv" "${args[@]}" \
    --json "$WORK/chart-ours.json" --out "$ROOT/target/bench-chart.png" >&2
  jq -c '{bench: "chart", result: .}' "$WORK/chart-ours.json" >> "$RAW"
}

if want webhook; then
  echo "== webhook ack: alertgraph vs the native baseline, interleaved ($ROUNDS rounds, same loads)" >&2
  python3 "$ROOT/bench/fake_slack.py" "$SLACK_PORT" 2>"$WORK/slack.log" &
  SLACK_PID=$!
  # Each load runs on the baseline and right after on alertgraph, round after round, so that
  # a spell of load from other tenants falls on both sides of a ratio, not on one.
  for round in $(seq "$ROUNDS"); do
    for spec in "closed-c1 alertgraph --concurrency 1 --rate 0" \
                "closed-c16 alertgraph --concurrency 16 --rate 0" \
                "open-2000 alertgraph --concurrency 16 --rate 2000" \
                "closed-c16-slack alertgraph-slack --concurrency 16 --rate 0"; do
      read -r label ours args <<< "$spec"
      # shellcheck disable=SC2086 # the loadgen arguments are words
      load webhook baseline "$label" "$round" $args
      # shellcheck disable=SC2086
      load webhook "$ours" "$label" "$round" $args
    done
  done
  kill "$SLACK_PID"; wait "$SLACK_PID" 2>/dev/null || true; SLACK_PID=""
fi

# Two alertgraph variants under the same closed loads, round after round: section a b.
variant_rounds() {
  local section="$1" a="$2" b="$3" round spec label args
  for round in $(seq "$ROUNDS"); do
    for spec in "closed-c1 --concurrency 1 --rate 0" "closed-c16 --concurrency 16 --rate 0"; do
      read -r label args <<< "$spec"
      # shellcheck disable=SC2086 # the loadgen arguments are words
      load "$section" "$a" "$label" "$round" $args
      # shellcheck disable=SC2086
      load "$section" "$b" "$label" "$round" $args
    done
  done
}

if want durability; then
  echo "== durability: alertgraph with SQLITE_SYNCHRONOUS=normal vs full, interleaved ($ROUNDS rounds)" >&2
  variant_rounds durability alertgraph alertgraph-full
fi

if want libsql; then
  if [ -x "$SQLD" ]; then
    echo "== libsql: alertgraph on a sqld server vs on its file, interleaved ($ROUNDS rounds)" >&2
    variant_rounds libsql alertgraph alertgraph-sqld
  else
    echo "== libsql: SKIPPED, no sqld at $SQLD (set SQLD)" >&2
  fi
fi

if want startup; then startup; fi

cargo_bench() { # name: runs the host's bench target of that name, whose JSON is its result
  local result
  result=$(cargo bench -q -p alertgraph --bench "$1")
  echo "{\"bench\":\"$1\",\"result\":$result}" >> "$RAW"
}

if want instantiate; then
  echo "== per-request instantiation" >&2
  cargo_bench instantiate
fi

if want renderer_wasm; then
  echo "== renderer: native vs compiled to wasm (renderer/wasm on wasmtime)" >&2
  cargo_bench renderer_wasm
fi

if want delivery; then
  echo "== delivery: webhook to Slack message with a real Prometheus chart, and a 5,000-alert burst" >&2
  cargo_bench delivery
fi

if want size; then
  echo "== component sizes" >&2
  HANDLER=$(stat -c %s target/wasm/wasm32-wasip2/wasm/alertgraph_handler.wasm)
  STORE=$(stat -c %s target/wasm/wasm32-wasip2/wasm/alertgraph_store.wasm)
  COMPOSED=$(stat -c %s "$(ls -t target/release/build/alertgraph-*/out/alertgraph.wasm | head -1)")
  echo "{\"bench\":\"size\",\"result\":{\"handler\":$HANDLER,\"store\":$STORE,\"composed\":$COMPOSED}}" >> "$RAW"
fi

if want chart; then chart; fi

python3 "$ROOT/bench/report.py" "$RAW" > "$OUT/latest.md"
cat "$OUT/latest.md"
