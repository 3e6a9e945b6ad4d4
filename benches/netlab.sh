#!/usr/bin/env bash
# Wall time of the whole network domain (`--only net`, every net check) in the healthy network
# lab: the topology of tests/topology.rs (client ↔ router ↔ server in three network namespaces),
# built here with ip and dnsmasq, a token-mode metadata stand-in (python3 http.server) on
# 100.100.100.200 and a web server on 10.88.0.2:80 inside the server namespace, default settings
# plus `--target http://10.88.0.2/` (so the reachability and path checks run too), and, as in the
# healthy-lab test, a fake chronyd with a fake `chronyc tracking` in a private PID namespace.
# ecs-doctor runs in the client namespace only; no packet leaves the lab.
#
#   bash benches/netlab.sh [--no-build]        (root; run under flock /tmp/ecs-doctor-lab.lock)
#
# RUNS sets the number of timed runs (hyperfine, after 3 warmups). Fails when a check is warn or
# crit (the lab is not healthy then). Prints a Markdown line for the README and writes raw data
# to benches/results/netlab-*.
set -euo pipefail

RUNS="${RUNS:-30}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/ecs-doctor"
OUT="$ROOT/benches/results"
mkdir -p "$OUT"
[ "${1:-}" = "--no-build" ] || (cd "$ROOT" && cargo build --release --quiet)
[ -x "$BIN" ] || { echo "netlab.sh: no release binary at $BIN (build it, or drop --no-build)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "netlab.sh needs root (network namespaces)" >&2; exit 1; }
for tool in ip dnsmasq python3 hyperfine jq unshare; do
  command -v "$tool" >/dev/null || { echo "netlab.sh needs $tool" >&2; exit 1; }
done

TAG="nb$$"
C="ecsd-${TAG}c" R="ecsd-${TAG}r" S="ecsd-${TAG}s"
WORK="$(mktemp -d)"
cleanup() {
  for p in dnsmasq md web; do
    [ -f "$WORK/$p.pid" ] && kill "$(cat "$WORK/$p.pid")" 2>/dev/null || true
  done
  for ns in "$C" "$R" "$S"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "/etc/netns/$C" "$WORK"
}
trap cleanup EXIT

for ns in "$C" "$R" "$S"; do ip netns add "$ns"; done
ip -n "$R" link add r0 type veth peer name c0 netns "$C"
ip -n "$R" link add r1 type veth peer name s0 netns "$S"
ip -n "$C" addr add 10.77.1.2/24 dev c0
ip -n "$R" addr add 10.77.1.1/24 dev r0
ip -n "$R" addr add 10.88.0.1/24 dev r1
ip -n "$S" addr add 10.88.0.2/24 dev s0
for a in 100.100.100.200 100.100.2.136 100.100.2.138; do ip -n "$S" addr add "$a/32" dev lo; done
for pair in "$C c0" "$R r0" "$R r1" "$S s0"; do set -- $pair; ip -n "$1" link set "$2" up; ip -n "$1" link set lo up; done
ip -n "$C" route add default via 10.77.1.1
ip -n "$S" route add default via 10.88.0.1
ip -n "$R" route add 100.100.0.0/16 via 10.88.0.2
ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=1
mkdir -p "/etc/netns/$C"
printf 'nameserver 100.100.2.136\nnameserver 100.100.2.138\noptions timeout:1\n' > "/etc/netns/$C/resolv.conf"

# The platform names resolve to the lab server, inside the lab only.
ip netns exec "$S" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --port=53 \
  --user=root --group=root --listen-address=100.100.2.136 --listen-address=100.100.2.138 \
  --pid-file="$WORK/dnsmasq.pid" --local=/lab.test/ --host-record=mirror.lab.test,10.88.0.2 \
  --host-record=mirrors.cloud.aliyuncs.com,10.88.0.2 --host-record=ntp.cloud.aliyuncs.com,10.88.0.2
cat > "$WORK/md.py" <<'PY'
import http.server
V = {"instance-id": "i-lab0000000000000001", "region-id": "cn-lab", "zone-id": "cn-lab-a",
     "instance/instance-type": "ecs.lab.small", "image-id": "lab_image_001.vhd", "vpc-id": "vpc-lab0001",
     "vpc-cidr-block": "10.77.0.0/16", "vswitch-cidr-block": "10.77.1.0/24", "private-ipv4": "10.77.1.2",
     "dns-conf/nameservers": "100.100.2.136\n100.100.2.138",
     "source-address": "http://mirrors.cloud.aliyuncs.com", "ntp-conf/ntp-servers": "ntp.cloud.aliyuncs.com"}
class H(http.server.BaseHTTPRequestHandler):
    def answer(s, code, body):
        b = body.encode()
        s.send_response(code); s.send_header("Content-Length", str(len(b))); s.end_headers(); s.wfile.write(b)
    def do_PUT(s):
        s.answer(200, "tok") if s.path == "/latest/api/token" else s.answer(404, "")
    def do_GET(s):
        if s.headers.get("X-aliyun-ecs-metadata-token") != "tok":
            return s.answer(403, "Forbidden")
        v = V.get(s.path.removeprefix("/latest/meta-data/"))
        s.answer(200, v) if v else s.answer(404, "Not Found")
    def log_message(s, *a):
        pass
http.server.ThreadingHTTPServer(("100.100.100.200", 80), H).serve_forever()
PY
ip netns exec "$S" python3 "$WORK/md.py" 2>/dev/null & echo $! > "$WORK/md.pid"
mkdir -p "$WORK/www" && echo lab > "$WORK/www/index.html"
(cd "$WORK/www" && exec ip netns exec "$S" python3 -m http.server 80 --bind 10.88.0.2 >/dev/null 2>&1) &
echo $! > "$WORK/web.pid"
for _ in $(seq 100); do
  ip netns exec "$S" sh -c 'grep -q "C8646464:0050 " /proc/net/tcp && grep -q "0200580A:0050 " /proc/net/tcp' && break
  sleep 0.05
done

# A fake chronyd (a copy of sleep) and a chronyc that prints a synchronised `tracking`.
mkdir -p "$WORK/bin"
cp /bin/sleep "$WORK/chronyd"
printf 'Reference ID    : 64640064 (100.100.0.100)\nSystem time     : 0.000210000 seconds slow of NTP time\nLeap status     : Normal\n' > "$WORK/tracking.txt"
printf '#!/bin/sh\n[ "$1 $2" = "-n tracking" ] || exit 1\ncat %s\n' "$WORK/tracking.txt" > "$WORK/bin/chronyc"
chmod 755 "$WORK/bin/chronyc"

RUN="$BIN run --format json --no-save --only net --metadata-url http://100.100.100.200 --target http://10.88.0.2/"
CMD="ip netns exec $C unshare --mount --propagation private --pid --fork --mount-proc sh -c 'PATH=$WORK/bin:\$PATH; $WORK/chronyd 600 & exec $RUN'"
sh -c "$CMD" > "$OUT/netlab-report.json" || true
jq -r '.checks[] | "\(.id) \(.status) \(.duration_ms) ms"' "$OUT/netlab-report.json" | tee "$OUT/netlab-checks.txt"
jq -e '[.checks[].status] | all(. == "ok" or . == "skipped")' "$OUT/netlab-report.json" >/dev/null \
  || { echo "netlab.sh: the healthy lab is not healthy (see above)" >&2; exit 1; }
hyperfine --warmup 3 --runs "$RUNS" -i --shell=sh --export-json "$OUT/netlab-hyperfine.json" "$CMD" >/dev/null
# Runs that did not exit 0 are reported: run again (up to 30 times) until one fails, and show why.
bad="$(jq '[.results[0].exit_codes[] | select(. != 0)] | length' "$OUT/netlab-hyperfine.json")"
if [ "$bad" != 0 ]; then
  echo "netlab.sh: $bad of $RUNS timed runs exited non-zero; looking for one:" >&2
  for _ in $(seq 30); do
    if ! sh -c "$CMD" > "$OUT/netlab-failed-report.json"; then
      jq -r '.checks[] | select(.status != "ok" and .status != "skipped") | "  \(.id) \(.status): \(.summary)"' \
        "$OUT/netlab-failed-report.json" >&2
      break
    fi
  done
fi
# Wall time of `sh -c 'true'` in the same wrapper: the cost of the namespaces, not of the checks.
WRAP="ip netns exec $C unshare --mount --propagation private --pid --fork --mount-proc sh -c true"
hyperfine --warmup 3 --runs "$RUNS" -N --export-json "$OUT/netlab-wrapper.json" "$WRAP" >/dev/null
jq -r --arg n "$(jq '.checks | length' "$OUT/netlab-report.json")" \
  --argjson w "$(jq '.results[0].mean' "$OUT/netlab-wrapper.json")" '.results[0] |
  "| the whole network domain (\($n) checks, `--only net`, one `--target`) in the healthy lab, wall time (mean ± σ, n = \(.times | length); `benches/netlab.sh`) | ≤ 3 s | \(.mean * 1000 | floor) ms ± \(.stddev * 1000 * 10 | floor / 10) (median \(.median * 1000 | floor), min \(.min * 1000 | floor), max \(.max * 1000 | floor); namespace wrapper alone \($w * 1000 * 10 | floor / 10) ms) | | | \(if .max <= 3 then "yes (max)" else "**no**" end) |"' \
  "$OUT/netlab-hyperfine.json"
