#!/usr/bin/env bash
# Durable appends: Cordon's store against Redis with `appendonly yes` and
# `appendfsync always`, both with their data on the same disk, then side by side.
#
#   scripts/bench-store.sh                 # defaults
#   N=200000 SECONDS_PER_RUN=5 scripts/bench-store.sh
#   CORDON_BENCH="path/to/cordon-bench" scripts/bench-store.sh   # skip `swift run`
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}                       # SETs per redis-benchmark run with 16 and 50 clients
N1=${N1:-10000}                      # with one client (one fsync per SET: slow)
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
EVENTS=${EVENTS:-1000000}
PORT=${REDIS_PORT:-6390}
BENCH_DIR=${BENCH_DIR:-$PWD/.build-bench}
mkdir -p "$BENCH_DIR"

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "installing redis-server from apt..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
fi

RDIR=$(mktemp -d "$BENCH_DIR/redis.XXXXXX")
cleanup() {
  if [[ -f "$RDIR/redis.pid" ]]; then
    kill "$(cat "$RDIR/redis.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [[ -f "$RDIR/redis.pid" ]] || break; sleep 0.1; done
  fi
  rm -rf "$RDIR"
}
trap cleanup EXIT

redis-server --bind 127.0.0.1 --port "$PORT" --dir "$RDIR" --appendonly yes --appendfsync always \
  --save '' --daemonize yes --pidfile "$RDIR/redis.pid" --logfile "$RDIR/redis.log"
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

declare -A RPS P50 P99
for c in 1 16 50; do
  n=$N; [[ $c == 1 ]] && n=$N1
  # CSV columns: test, rps, avg, min, p50, p95, p99, max (latencies in ms)
  line=$(redis-benchmark -h 127.0.0.1 -p "$PORT" -t set -c "$c" -n "$n" -r 100000 --csv | grep '^"SET' | tr -d '"')
  RPS[$c]=$(cut -d, -f2 <<<"$line"); P50[$c]=$(cut -d, -f5 <<<"$line"); P99[$c]=$(cut -d, -f7 <<<"$line")
done
cleanup
trap - EXIT

OUT=$(mktemp)
if [[ -n "${CORDON_BENCH:-}" ]]; then
  $CORDON_BENCH store --dir "$BENCH_DIR" --seconds "$SECONDS_PER_RUN" --events "$EVENTS" | tee "$OUT"
else
  swift run -c release cordon-bench store --dir "$BENCH_DIR" --seconds "$SECONDS_PER_RUN" --events "$EVENTS" | tee "$OUT"
fi

echo
echo "durable writes, same disk ($BENCH_DIR)"
printf '%-8s | %-12s %-9s %-9s | %-12s %-9s %-9s\n' clients "redis SET/s" "p50 ms" "p99 ms" "cordon ev/s" "p50 ms" "p99 ms"
for c in 1 16 50; do
  read -r _ crate cp50 cp99 < <(awk -v c="$c" '$1 == c && NF == 4' "$OUT")
  printf '%-8s | %-12s %-9s %-9s | %-12s %-9s %-9s\n' "$c" "${RPS[$c]}" "${P50[$c]}" "${P99[$c]}" "$crate" "$cp50" "$cp99"
done
rm -f "$OUT"
