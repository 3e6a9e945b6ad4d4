#!/usr/bin/env bash
# Benchmark `ecs-doctor fleet summarize` on generated fleets.
#
#   bash benches/fleet.sh [--no-build] [--results DIR]
#
# Generates, under a temporary directory (deleted at the end):
#   - $HOSTS full reports (report v1, pretty-printed as ecs-doctor writes them, about 20 KB each),
#     one per host, made from the reports of real runs against the fixture roots (healthy, broken,
#     degraded and the security fixtures) with the host name, instance id, run id and time changed;
#   - one file of $HOSTS summary lines (`run --format summary-json` of the same runs);
#   - $SMALL full reports (a tenth of the fleet), to show how memory grows with the fleet.
# Then measures with hyperfine (warmup 2, $RUNS runs) the wall time of `fleet summarize --format
# json` over the directory of reports and over the file of lines, and with /usr/bin/time -v the
# peak RSS of each, and of the small fleet. The files are in the page cache (just written): this
# measures parsing and summarising, not the disk.
# Prints a Markdown table and writes it to benches/fleet-results.md; raw hyperfine JSON goes to the
# results directory (benches/results/).
#
# The template reports come from runs inside an empty network namespace (`unshare --net`), which
# needs root; `fleet summarize` itself only reads files and is run bare.
set -euo pipefail

HOSTS="${HOSTS:-10000}"
SMALL="${SMALL:-$((HOSTS / 10))}"
RUNS="${RUNS:-10}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/ecs-doctor"
RESULTS="$ROOT/benches/results"
TABLE="$ROOT/benches/fleet-results.md"
build=1

die() { echo "benches/fleet.sh: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

while (($#)); do
    case "$1" in
        --no-build) build=0 ;;
        --results) shift; RESULTS="${1:?--results needs a directory}" ;;
        -h | --help) sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done

[[ "$(id -u)" -eq 0 ]] || die "run as root: the template runs use unshare --net"
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[[ -x /usr/bin/time ]] || missing+=(time)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=300 update
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y "${missing[@]}"
fi

cd "$ROOT"
if ((build)); then
    log "cargo build --release"
    cargo build --release
fi
[[ -x "$BIN" ]] || die "$BIN not found: build it (cargo build --release) or drop --no-build"
mkdir -p "$RESULTS"

WORK="$(mktemp -d /tmp/ecs-doctor-fleet-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

log "template reports from the fixture roots"
mkdir -p "$WORK/templates"
for fixture in healthy broken degraded sec-ssh-weak sec-accounts-bad sec-intrusion sec2-exposed ds-fstab; do
    [[ -d "tests/fixtures/roots/$fixture" ]] || continue
    # Exit status 0..3 is a diagnosis; anything else is a failure.
    rc=0
    unshare --net "$BIN" run --no-save --format json --root "tests/fixtures/roots/$fixture" \
        >"$WORK/templates/$fixture.json" 2>/dev/null || rc=$?
    ((rc <= 3)) || die "template run on $fixture failed ($rc)"
done

log "generating $HOSTS reports and $HOSTS summary lines"
python3 - "$WORK" "$HOSTS" "$SMALL" "$BIN" <<'PY'
import glob, json, os, subprocess, sys
work, hosts, small, binary = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
templates = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(work, "templates", "*.json")))]
def make(i):
    r = json.loads(json.dumps(templates[(i * 7919) % len(templates)]))
    r["host"]["hostname"] = "host-%05d" % i
    r["host"]["cloud"]["instance_id"] = "i-bp1%012x" % (i * 2654435761 % (1 << 48))
    r["run"]["id"] = "%08x-0000-4000-8000-%012x" % (i, i)
    r["run"]["started_at"] = "2026-11-21T%02d:%02d:%02d.000Z" % (i // 3600 % 24, i // 60 % 60, i % 60)
    return r
for name, count in (("reports", hosts), ("small", small)):
    d = os.path.join(work, name)
    os.makedirs(d)
    for i in range(count):
        r = make(i)
        with open(os.path.join(d, "%s_%s.json" % (r["host"]["hostname"], r["run"]["id"])), "w") as f:
            json.dump(r, f, indent=2, ensure_ascii=False)
            f.write("\n")
# Summary lines: the tool renders each distinct template once; hosts differ only by identity.
lines = {}
for k, t in enumerate(templates):
    p = os.path.join(work, "t%d.json" % k)
    json.dump(t, open(p, "w"))
    out = subprocess.run([binary, "report", p, "--format", "summary-json"], capture_output=True, check=True)
    lines[k] = json.loads(out.stdout)
with open(os.path.join(work, "lines.jsonl"), "w") as f:
    for i in range(hosts):
        r = make(i)
        l = dict(lines[(i * 7919) % len(templates)])
        l["host"], l["instance_id"] = r["host"]["hostname"], r["host"]["cloud"]["instance_id"]
        l["run_id"], l["started_at"] = r["run"]["id"], r["run"]["started_at"]
        f.write(json.dumps(l, ensure_ascii=False, separators=(",", ":")) + "\n")
PY

reports_mb="$(du -sm "$WORK/reports" | cut -f1)"
lines_mb="$(du -sm "$WORK/lines.jsonl" | cut -f1)"
q_bin="$(printf '%q' "$BIN")"

log "hyperfine"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$RESULTS/fleet-hyperfine.json" \
    "$q_bin fleet summarize --format json $WORK/reports" \
    "$q_bin fleet summarize --format json $WORK/lines.jsonl" \
    "$q_bin fleet summarize --format json $WORK/small" >/dev/null

# /usr/bin/time -v of one run: "<peak RSS KiB> <user + system CPU seconds>".
measure() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '
        /Maximum resident set size/ { rss = $2 }
        /User time/ { cpu += $2 } /System time/ { cpu += $2 }
        END { print rss, cpu }'
}
read -r rss_reports cpu_reports < <(measure "$BIN" fleet summarize --format json "$WORK/reports")
read -r rss_lines cpu_lines < <(measure "$BIN" fleet summarize --format json "$WORK/lines.jsonl")
read -r rss_small cpu_small < <(measure "$BIN" fleet summarize --format json "$WORK/small")
read -r rss_text cpu_text < <(measure "$BIN" fleet summarize --format text "$WORK/reports")
"$BIN" fleet summarize --format json "$WORK/reports" >"$RESULTS/fleet-summary.json"
hosts_seen="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"]["total"])' "$RESULTS/fleet-summary.json")"
[[ "$hosts_seen" == "$HOSTS" ]] || die "summary counted $hosts_seen hosts, not $HOSTS"

row() { # index in the hyperfine results -> "mean ± sd (max)" in ms
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]; print("%.0f ms ± %.0f (min %.0f, max %.0f)" % (r["mean"]*1e3, r["stddev"]*1e3, r["min"]*1e3, r["max"]*1e3))' "$RESULTS/fleet-hyperfine.json" "$1"
}
max_s() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["max"])' "$RESULTS/fleet-hyperfine.json" "$1"; }
met() { awk -v m="$1" 'BEGIN { print (m <= 2.0) ? "yes (max)" : "**no**" }'; }

{
    mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }'; }
    echo "| input | target | wall time (n = $RUNS) | CPU time (user + sys, one run) | peak RSS | target met |"
    echo "|---|---|---|---|---|---|"
    echo "| $HOSTS full reports, one file each ($reports_mb MB), \`--format json\` | ≤ 2 s | $(row 0) | ${cpu_reports} s | $(mb "$rss_reports") | $(met "$(max_s 0)") |"
    echo "| the same, \`--format text\` (ten names per row) | | | ${cpu_text} s | $(mb "$rss_text") | |"
    echo "| $HOSTS summary lines, one file ($lines_mb MB) | ≤ 2 s | $(row 1) | ${cpu_lines} s | $(mb "$rss_lines") | $(met "$(max_s 1)") |"
    echo "| $SMALL full reports (memory growth) | | $(row 2) | ${cpu_small} s | $(mb "$rss_small") | |"
} | tee "$TABLE"
echo
echo "nproc $(nproc), $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg), $(hyperfine --version), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
