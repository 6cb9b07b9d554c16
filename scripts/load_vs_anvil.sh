#!/usr/bin/env bash
# Throughput as users see it, Manifold beside anvil in the same run: `manifold load` sends
# pre-signed transfers over HTTP JSON-RPC to a fresh `manifold devnet` and a fresh anvil (both
# with a 1 G block gas limit and 250 ms blocks), at each client concurrency, the two nodes
# interleaved over several rounds; prints the medians and the ratios as a Markdown table.
#
#   scripts/load_vs_anvil.sh [--txs N] [--senders K] [--batch B] [--rounds R] [--clients "1 2 8 32"]
#
# Builds `manifold` in release (or uses $MANIFOLD_BIN when set) and installs anvil from npm
# (`@foundry-rs/anvil-linux-amd64`, in tests/js) when missing. Each measurement starts both
# nodes afresh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

TXS=20000 SENDERS=200 BATCH=100 ROUNDS=2 CLIENTS="1 2 8 32"
while [ $# -gt 0 ]; do
  case "$1" in
    --txs) TXS="$2"; shift 2 ;;
    --senders) SENDERS="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
ANVIL="$ROOT/tests/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
if [ -n "${MANIFOLD_BIN:-}" ]; then
  MANIFOLD="$MANIFOLD_BIN"
else
  MANIFOLD="$TARGET_DIR/release/manifold"
  echo "building manifold (release)…" >&2
  cargo build --release -p devnet --bin manifold >&2
fi
if [ ! -x "$ANVIL" ]; then
  (cd tests/js && npm ci --no-audit --no-fund) >&2
fi

WORK="$(mktemp -d)"
NODE_PID=""
cleanup() { [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_rpc URL: until the node answers eth_chainId (at most 60 s).
wait_rpc() {
  for _ in $(seq 1 600); do
    if curl -s -X POST -H 'content-type: application/json' \
      -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$1" | grep -q result; then
      return 0
    fi
    sleep 0.1
  done
  echo "no node at $1" >&2; return 1
}

# measure NODE CLIENTS: starts NODE afresh, runs one load, prints its JSON report.
measure() {
  local node="$1" clients="$2" port url
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  rm -rf "$WORK/data"
  if [ "$node" = manifold ]; then
    "$MANIFOLD" devnet --data-dir "$WORK/data" --rpc-port "$port" --solana-rpc-port "$(free_port)" \
      --solana-ws-port "$(free_port)" --gas-limit 1000000000 --block-time 250 --log warn \
      >"$WORK/node.log" 2>&1 &
  else
    "$ANVIL" --port "$port" --block-time 0.25 --gas-limit 1000000000 >"$WORK/node.log" 2>&1 &
  fi
  NODE_PID=$!
  wait_rpc "$url"
  "$MANIFOLD" load --rpc "$url" --txs "$TXS" --senders "$SENDERS" --clients "$clients" \
    --batch "$BATCH" --json 2>"$WORK/load.log" || { cat "$WORK/load.log" >&2; echo '{}'; }
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=""
}

RESULTS="$WORK/results.jsonl"
for round in $(seq 1 "$ROUNDS"); do
  for clients in $CLIENTS; do
    # Interleaved, the first node alternating per round.
    if [ $((round % 2)) -eq 1 ]; then order="manifold anvil"; else order="anvil manifold"; fi
    for node in $order; do
      echo "round $round, $clients clients: $node…" >&2
      report="$(measure "$node" "$clients" | tail -1)"
      echo "{\"node\":\"$node\",\"clients\":$clients,\"report\":$report}" >>"$RESULTS"
    done
  done
done

python3 - "$RESULTS" "$TXS" "$SENDERS" "$BATCH" "$ROUNDS" <<'PY'
import json, statistics, sys
path, txs, senders, batch, rounds = sys.argv[1:]
rows = [json.loads(line) for line in open(path)]
def med(node, clients, key):
    values = [r["report"].get(key) for r in rows if r["node"] == node and r["clients"] == clients]
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else float("nan")
print(f"{txs} transfers from {senders} senders, JSON-RPC batches of {batch}, 1 G gas blocks every 250 ms, "
      f"median of {rounds} interleaved rounds")
print()
print("| clients | Manifold sealed tx/s | anvil sealed tx/s | ratio | Manifold acked tx/s | anvil acked tx/s | Manifold p50 / p99 ms | anvil p50 / p99 ms |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for clients in sorted({r["clients"] for r in rows}):
    m, a = med("manifold", clients, "sealed_tps"), med("anvil", clients, "sealed_tps")
    print(f"| {clients} | {m:,.0f} | {a:,.0f} | {m / a:.2f}× | {med('manifold', clients, 'acked_tps'):,.0f} | "
          f"{med('anvil', clients, 'acked_tps'):,.0f} | {med('manifold', clients, 'latency_p50_ms'):.0f} / "
          f"{med('manifold', clients, 'latency_p99_ms'):.0f} | {med('anvil', clients, 'latency_p50_ms'):.0f} / "
          f"{med('anvil', clients, 'latency_p99_ms'):.0f} |")
PY
