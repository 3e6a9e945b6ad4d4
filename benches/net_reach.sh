#!/usr/bin/env bash
# Benchmark the reachability and path checks in the healthy lab topology.
#
#   bash benches/net_reach.sh [--no-build] [--results DIR]
#
# Builds the lab the tests use (tests/integration/reach_lab.rs): three network namespaces,
# client <-> router <-> server over veth pairs, ip_forward=1 in the router, an HTTP server
# (python3 -m http.server) in the server namespace. Then times, with hyperfine ($RUNS runs after
# 2 warmups), `ecs-doctor run --only net.reach --only net.path` inside the client namespace with
# two targets, a TCP port and an HTTP URL on the server (default settings otherwise: 10 ICMP
# rounds of at least 100 ms for the path). Target: <= 3 s wall. Prints a Markdown table and
# writes it to benches/results-net-reach.md; hyperfine JSON and one report go to
# benches/results/net-reach/.
#
# Everything runs inside namespaces this script creates (the client has routes to the lab
# subnets only, no default route); a trap removes them and the server on exit.
# Needs root, iproute2, python3, hyperfine and jq.
set -euo pipefail

RUNS="${RUNS:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/ecs-doctor"
RESULTS="$ROOT/benches/results/net-reach"
TABLE="$ROOT/benches/results-net-reach.md"
build=1

die() { echo "benches/net_reach.sh: $*" >&2; exit 1; }
while (($#)); do
    case "$1" in
        --no-build) build=0 ;;
        --results) shift; RESULTS="${1:?--results needs a directory}" ;;
        -h | --help) sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip python3 hyperfine jq; do command -v "$t" >/dev/null || die "$t is not installed"; done
if ((build)); then (cd "$ROOT" && cargo build --release --locked); fi
[ -x "$BIN" ] || die "no release binary at $BIN (build it, or drop --no-build)"
mkdir -p "$RESULTS"

id=$$
C="ecsd-bc-$id" R="ecsd-br-$id" S="ecsd-bs-$id"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    for n in "$C" "$R" "$S"; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
for n in "$C" "$R" "$S"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add "bca$id" netns "$C" type veth peer name "bcb$id" netns "$R"
ip link add "bsa$id" netns "$R" type veth peer name "bsb$id" netns "$S"
ip -n "$C" addr add 10.231.1.2/24 dev "bca$id"; ip -n "$C" link set "bca$id" up
ip -n "$R" addr add 10.231.1.1/24 dev "bcb$id"; ip -n "$R" link set "bcb$id" up
ip -n "$R" addr add 10.231.2.1/24 dev "bsa$id"; ip -n "$R" link set "bsa$id" up
ip -n "$S" addr add 10.231.2.2/24 dev "bsb$id"; ip -n "$S" link set "bsb$id" up
ip -n "$C" route add 10.231.2.0/24 via 10.231.1.1
ip -n "$S" route add 10.231.1.0/24 via 10.231.2.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
www="$(mktemp -d)"
echo lab > "$www/index.html"
(cd "$www" && exec ip netns exec "$S" python3 -m http.server 8080 --bind 10.231.2.2 >/dev/null 2>&1) &
server_pid=$!
for _ in $(seq 100); do ip netns exec "$S" ss -ltn | grep -q ':8080' && break; sleep 0.05; done

cmd="ip netns exec $C $BIN run --only net.reach --only net.path --no-save --format json --target 10.231.2.2:8080 --target http://10.231.2.2:8080/"
$cmd > "$RESULTS/report.json" || true
jq -e '.checks | map(.status) | all(. == "ok")' "$RESULTS/report.json" >/dev/null \
    || die "the healthy lab is not healthy: $(jq -c '[.checks[] | {id, status, summary}]' "$RESULTS/report.json")"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$RESULTS/hyperfine.json" "$cmd" >&2

read -r mean sd min max < <(jq -r '.results[0] | "\(.mean) \(.stddev) \(.min) \(.max)"' "$RESULTS/hyperfine.json")
per_check="$(jq -r '[.checks[] | "\(.id) \(.duration_ms) ms"] | join(", ")' "$RESULTS/report.json")"
rounds="$(jq -r '.checks[] | select(.id == "net.path.loss") | .metrics.rounds' "$RESULTS/report.json")"
met="$(awk -v m="$max" 'BEGIN { print (m <= 3.0) ? "yes (max)" : "**no**" }')"
{
    echo "| measure | target | result | target met |"
    echo "|---|---|---|---|"
    awk -v n="$RUNS" -v mean="$mean" -v sd="$sd" -v min="$min" -v max="$max" -v met="$met" 'BEGIN {
        printf "| net.reach.targets + net.path.loss, healthy lab, 2 targets, wall (mean ± σ, n = %s) | ≤ 3 s | %.0f ms ± %.0f (min %.0f, max %.0f) | %s |\n", n, mean*1000, sd*1000, min*1000, max*1000, met
    }'
    echo
    echo "One run's check durations (engine): $per_check; path trace rounds: $rounds."
} | tee "$TABLE"
