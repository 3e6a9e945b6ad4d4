#!/usr/bin/env bash
# Wall time of all network checks (`--only net`) in the healthy network lab: the topology of
# tests/topology.rs (client ↔ router ↔ server in three network namespaces), built here with
# ip/dnsmasq, plus a token-mode metadata stand-in (python3 http.server) on 100.100.100.200 inside
# the server namespace. ecs-doctor runs in the client namespace only; no packet leaves the lab.
#
#   bash benches/netlab.sh [--no-build]        (root; run under flock /tmp/ecs-doctor-lab.lock)
#
# RUNS sets the number of timed runs (hyperfine, after 3 warmups). Prints a Markdown line for the
# README and writes raw data to benches/results/netlab-*.
set -euo pipefail

RUNS="${RUNS:-30}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/ecs-doctor"
OUT="$ROOT/benches/results"
mkdir -p "$OUT"
[ "${1:-}" = "--no-build" ] || (cd "$ROOT" && cargo build --release --quiet)
for tool in ip dnsmasq python3 hyperfine jq; do
  command -v "$tool" >/dev/null || { echo "netlab.sh needs $tool" >&2; exit 1; }
done

TAG="nb$$"
C="ecsd-${TAG}c" R="ecsd-${TAG}r" S="ecsd-${TAG}s"
WORK="$(mktemp -d)"
cleanup() {
  [ -f "$WORK/dnsmasq.pid" ] && kill "$(cat "$WORK/dnsmasq.pid")" 2>/dev/null || true
  [ -f "$WORK/md.pid" ] && kill "$(cat "$WORK/md.pid")" 2>/dev/null || true
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
printf '[net]\ndns_name = "mirror.lab.test"\n' > "$WORK/config.toml"

ip netns exec "$S" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --port=53 \
  --user=root --group=root --listen-address=100.100.2.136 --listen-address=100.100.2.138 \
  --pid-file="$WORK/dnsmasq.pid" --host-record=mirror.lab.test,10.88.0.2 --local=/lab.test/
cat > "$WORK/md.py" <<'PY'
import http.server
V = {"instance-id": "i-lab0000000000000001", "region-id": "cn-lab", "zone-id": "cn-lab-a",
     "instance/instance-type": "ecs.lab.small", "image-id": "lab_image_001.vhd", "vpc-id": "vpc-lab0001",
     "vpc-cidr-block": "10.77.0.0/16", "vswitch-cidr-block": "10.77.1.0/24", "private-ipv4": "10.77.1.2",
     "dns-conf/nameservers": "100.100.2.136\n100.100.2.138"}
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
ip netns exec "$S" python3 "$WORK/md.py" & echo $! > "$WORK/md.pid"
for _ in $(seq 100); do ip netns exec "$S" sh -c 'grep -q ":0050 " /proc/net/tcp' && break; sleep 0.05; done

CMD="ip netns exec $C $BIN run --format json --no-save --only net --metadata-url http://100.100.100.200 --config $WORK/config.toml"
$CMD > "$OUT/netlab-report.json" || true
jq -r '.checks[] | "\(.id) \(.status) \(.duration_ms) ms"' "$OUT/netlab-report.json" | tee "$OUT/netlab-checks.txt"
hyperfine --warmup 3 --runs "$RUNS" -N -i --export-json "$OUT/netlab-hyperfine.json" "$CMD" >/dev/null
jq -r --arg n "$(jq '.checks | length' "$OUT/netlab-report.json")" '.results[0] |
  "| all network checks (\($n), `--only net`) in the healthy lab, wall time (mean ± σ, n = \(.times | length)) | ≤ 3 s | \(.mean * 1000 | floor) ms ± \(.stddev * 1000 * 10 | floor / 10) (median \(.median * 1000 | floor), min \(.min * 1000 | floor), max \(.max * 1000 | floor)) |"' \
  "$OUT/netlab-hyperfine.json"
