#!/usr/bin/env bash
# Benchmark ecs-doctor against the foundation targets and against `lynis audit system --quick`.
#
#   bash benches/run.sh [--no-build] [--no-lynis] [--no-strace] [--results DIR]
#
# Measures, on the live system (not a fixture root):
#   - wall time of a full run of the built-in checks (hyperfine, warmup 3, $RUNS runs);
#   - wall time of `--version`, with and without `unshare --net`, and of `unshare --net true`
#     alone, so the cost of the namespace can be subtracted;
#   - peak RSS of a full run (/usr/bin/time -v, "Maximum resident set size", max of $RSS_RUNS runs);
#   - release binary size;
#   - lynis: wall time and peak RSS of $LYNIS_RUNS runs, and (with strace) how many programs
#     each tool executes.
# Prints a Markdown table and writes it to benches/results.md; raw data (hyperfine JSON/CSV,
# /usr/bin/time output, the JSON report) goes to the results directory (benches/results/).
#
# Every run of ecs-doctor and of lynis happens inside its own, empty network namespace
# (`unshare --net`): neither can send a packet. The one exception is `ecs-doctor --version`, which
# is also timed bare: it prints a string and exits, and cannot reach the network.
# Needs root (unshare --net, and apt-get for missing tools: hyperfine, time, lynis, jq).
set -euo pipefail

RUNS="${RUNS:-30}"                 # full runs of ecs-doctor timed by hyperfine (after 3 warmups)
VERSION_RUNS="${VERSION_RUNS:-200}" # runs of each --version / unshare command
RSS_RUNS="${RSS_RUNS:-5}"           # full runs under /usr/bin/time -v
LYNIS_RUNS="${LYNIS_RUNS:-3}"       # lynis runs (about 80 s each on a 2-core VM)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/ecs-doctor"
RESULTS="$ROOT/benches/results"
TABLE="$ROOT/benches/results.md"
build=1
with_lynis=1
with_strace=1

usage() { sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "benches/run.sh: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

while (($#)); do
    case "$1" in
        --no-build) build=0 ;;
        --no-lynis) with_lynis=0 ;;
        --no-strace) with_strace=0 ;;
        --results) shift; RESULTS="${1:?--results needs a directory}" ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

[[ "$(id -u)" -eq 0 ]] || die "run as root: unshare --net needs CAP_SYS_ADMIN (and apt-get may install tools)"

# ---------------------------------------------------------------- tools
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[[ -x /usr/bin/time ]] || missing+=(time) # `command -v time` would find the bash keyword
command -v jq >/dev/null 2>&1 || missing+=(jq)
if ((with_lynis)) && ! command -v lynis >/dev/null 2>&1; then missing+=(lynis); fi
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=300 update
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y "${missing[@]}"
    # The lynis package enables a daily systemd timer that would run lynis outside a network
    # namespace. It was installed only for this benchmark: disable it.
    if [[ " ${missing[*]} " == *" lynis "* ]] && command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now lynis.timer >/dev/null 2>&1 || systemctl disable lynis.timer >/dev/null 2>&1 || true
    fi
fi
LYNIS=""
if ((with_lynis)); then LYNIS="$(command -v lynis)"; fi
STRACE=""
if ((with_strace)) && command -v strace >/dev/null 2>&1; then STRACE="$(command -v strace)"; fi

# ---------------------------------------------------------------- build
cd "$ROOT"
if ((build)); then
    log "cargo build --release"
    cargo build --release
fi
[[ -x "$BIN" ]] || die "$BIN not found: build it (cargo build --release) or drop --no-build"

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.csv "$RESULTS"/*.txt

# Commands as hyperfine -N splits them (POSIX words); %q quotes a path with spaces.
q_bin="$(printf '%q' "$BIN")"
RUN_ARGS=(run --no-save --format json)
run_cmd="unshare --net $q_bin ${RUN_ARGS[*]}"

# Arithmetic helpers (bash has no floating point).
calc() { awk "BEGIN { printf \"%.${1}f\", $2 }"; }
# One row of a hyperfine CSV export (command,mean,stddev,median,user,system,min,max): field N.
csv_field() { awk -F, -v row="$2" -v col="$3" 'NR == row + 1 { print $col }' "$1"; }
# "Maximum resident set size (kbytes): N" and "Elapsed (wall clock) time (h:mm:ss or m:ss): M:SS.ss"
maxrss_kb() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
elapsed_s() {
    awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"
}
# Runs "$@" under /usr/bin/time -v writing to $1; the tool's own exit status must be 0..3
# (Nagios convention: inside an empty network namespace there is no default route, so a crit is
# expected), anything else means it did not run.
timed() {
    local out="$1" rc=0
    shift
    /usr/bin/time -v -o "$out" "$@" >/dev/null 2>&1 || rc=$?
    ((rc <= 3)) || die "exit status $rc from: $* (see $out)"
}

# ---------------------------------------------------------------- facts
date_utc="$(date -u '+%Y-%m-%d %H:%M UTC')"
cpus="$(nproc)"
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
mem_gib="$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
kernel="$(uname -sr)"
os="$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release 2>/dev/null | tr -d '"')"
os="${os:-unknown OS}"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain -- src checks build.rs Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
    commit="$commit (with uncommitted changes)"
fi
built="$(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC')"
hf_version="$(hyperfine --version | awk '{ print $2 }')"
lynis_version=""
if [[ -n "$LYNIS" ]]; then lynis_version="$("$LYNIS" --version 2>/dev/null | tr -d '\r' | tail -n 1)"; fi

# ---------------------------------------------------------------- ecs-doctor: one report
log "one full run, kept as $RESULTS/report.json"
rc=0
unshare --net "$BIN" "${RUN_ARGS[@]}" >"$RESULTS/report.json" || rc=$?
((rc <= 3)) || die "ecs-doctor exited $rc"
counts="$(jq -r '.summary.counts | "\(.ok + .warn + .crit + .error + .skipped) checks: \(.ok) ok, \(.warn) warn, \(.crit) crit, \(.error) error, \(.skipped) skipped"' "$RESULTS/report.json")"
engine_ms="$(jq -r '.run.duration_ms' "$RESULTS/report.json")"
not_ok="$(jq -r '[.checks[] | select(.status != "ok") | "\(.id) \(.status)"] | join(", ")' "$RESULTS/report.json")"

# ---------------------------------------------------------------- ecs-doctor: wall time
log "full run: hyperfine --warmup 3 --runs $RUNS"
hyperfine -N --style basic --ignore-failure --warmup 3 --runs "$RUNS" \
    --export-json "$RESULTS/run.json" --export-csv "$RESULTS/run.csv" \
    -n "ecs-doctor run" "$run_cmd" >&2
run_mean="$(csv_field "$RESULTS/run.csv" 1 2)"
run_sd="$(csv_field "$RESULTS/run.csv" 1 3)"
run_median="$(csv_field "$RESULTS/run.csv" 1 4)"
run_min="$(csv_field "$RESULTS/run.csv" 1 7)"
run_max="$(csv_field "$RESULTS/run.csv" 1 8)"

# ---------------------------------------------------------------- --version and unshare
log "--version: hyperfine --warmup 10 --runs $VERSION_RUNS"
hyperfine -N --style basic --warmup 10 --runs "$VERSION_RUNS" \
    --export-json "$RESULTS/version.json" --export-csv "$RESULTS/version.csv" \
    -n "unshare --net ecs-doctor --version" "unshare --net $q_bin --version" \
    -n "unshare --net true" "unshare --net true" \
    -n "ecs-doctor --version" "$q_bin --version" \
    -n "true" "true" >&2
v_unshare="$(csv_field "$RESULTS/version.csv" 1 2)"
v_unshare_sd="$(csv_field "$RESULTS/version.csv" 1 3)"
unshare_true="$(csv_field "$RESULTS/version.csv" 2 2)"
unshare_true_sd="$(csv_field "$RESULTS/version.csv" 2 3)"
v_bare="$(csv_field "$RESULTS/version.csv" 3 2)"
v_bare_sd="$(csv_field "$RESULTS/version.csv" 3 3)"
v_bare_max="$(csv_field "$RESULTS/version.csv" 3 8)"
true_bare="$(csv_field "$RESULTS/version.csv" 4 2)"
v_diff="$(calc 6 "$v_unshare - $unshare_true")"

# ---------------------------------------------------------------- ecs-doctor: peak RSS
log "peak RSS: $RSS_RUNS full runs under /usr/bin/time -v"
rss_max=0
rss_all=()
for i in $(seq 1 "$RSS_RUNS"); do
    timed "$RESULTS/time-ecs-doctor-$i.txt" unshare --net "$BIN" "${RUN_ARGS[@]}"
    kb="$(maxrss_kb "$RESULTS/time-ecs-doctor-$i.txt")"
    rss_all+=("$kb")
    if ((kb > rss_max)); then rss_max="$kb"; fi
done
size_bytes="$(stat -c %s "$BIN")"

# ---------------------------------------------------------------- programs executed
count_execve() { # successful execve calls (calls - errors) in an strace -c summary
    awk '$NF == "execve" { print (NF == 6 ? $4 - $5 : $4) }' "$1"
}
ecs_exec="n/a"
if [[ -n "$STRACE" ]]; then
    log "strace -f -c -e trace=execve: ecs-doctor"
    "$STRACE" -f -c -e trace=execve -o "$RESULTS/strace-ecs-doctor.txt" \
        unshare --net "$BIN" "${RUN_ARGS[@]}" >/dev/null 2>&1 || true
    ecs_exec="$(count_execve "$RESULTS/strace-ecs-doctor.txt")"
    ecs_exec="${ecs_exec:-n/a}"
fi

# ---------------------------------------------------------------- lynis
LYNIS_ARGS=(audit system --quick --no-colors --no-log --report-file /dev/null)
lynis_mean="" lynis_sd="" lynis_min="" lynis_max="" lynis_rss=0 lynis_exec="n/a"
if [[ -n "$LYNIS" ]]; then
    log "lynis ${LYNIS_ARGS[*]}: $LYNIS_RUNS runs under /usr/bin/time -v (about 80 s each)"
    secs=()
    for i in $(seq 1 "$LYNIS_RUNS"); do
        timed "$RESULTS/time-lynis-$i.txt" unshare --net "$LYNIS" "${LYNIS_ARGS[@]}"
        s="$(elapsed_s "$RESULTS/time-lynis-$i.txt")"
        kb="$(maxrss_kb "$RESULTS/time-lynis-$i.txt")"
        log "  lynis run $i: ${s} s, peak RSS ${kb} KiB"
        secs+=("$s")
        if ((kb > lynis_rss)); then lynis_rss="$kb"; fi
    done
    read -r lynis_mean lynis_sd lynis_min lynis_max < <(printf '%s\n' "${secs[@]}" | awk '
        { x[NR] = $1; s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
        END { m = s / NR; for (i = 1; i <= NR; i++) v += (x[i] - m) ^ 2
              printf "%.3f %.3f %.3f %.3f\n", m, (NR > 1 ? sqrt(v / (NR - 1)) : 0), lo, hi }')
    if [[ -n "$STRACE" ]]; then
        log "strace -f -c -e trace=execve: lynis (one more run)"
        "$STRACE" -f -c -e trace=execve -o "$RESULTS/strace-lynis.txt" \
            unshare --net "$LYNIS" "${LYNIS_ARGS[@]}" >/dev/null 2>&1 || true
        lynis_exec="$(count_execve "$RESULTS/strace-lynis.txt")"
        lynis_exec="${lynis_exec:-n/a}"
    fi
fi
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- table
ms() { calc 1 "$1 * 1000"; }
mb() { calc 1 "$1 * 1024 / 1000000"; } # KiB -> MB (10^6 bytes)
yes_no() { if awk "BEGIN { exit !($1) }"; then echo "yes"; else echo "**no**"; fi; }

run_ok="$(yes_no "$run_max <= 0.5")"
rss_ok="$(yes_no "$rss_max * 1024 <= 30000000")"
vbare_ok="$(yes_no "$v_bare <= 0.005")"
vdiff_ok="$(yes_no "$v_diff <= 0.005")"
size_ok="$(yes_no "$size_bytes <= 15000000")"

if [[ -n "$LYNIS" ]]; then
    l_time="$(calc 1 "$lynis_mean") s ± $(calc 1 "$lynis_sd") (min $(calc 1 "$lynis_min"), max $(calc 1 "$lynis_max"); n = $LYNIS_RUNS)"
    r_time="$(calc 0 "$lynis_mean / $run_mean")×"
    l_rss="$(mb "$lynis_rss") MB"
    r_rss="$(calc 1 "$lynis_rss / $rss_max")×"
    if [[ "$lynis_exec" != "n/a" && "$ecs_exec" != "n/a" ]]; then
        r_exec="$(calc 0 "$lynis_exec / $ecs_exec")×"
    else
        r_exec="n/a"
    fi
else
    l_time="not measured" r_time="" l_rss="not measured" r_rss="" r_exec=""
fi

{
    echo "Measured $date_utc on $os, kernel $kernel, $cpus CPUs ($cpu_model), $mem_gib GiB RAM;"
    echo "Source tree at $commit when measured; release binary built $built; hyperfine $hf_version${lynis_version:+, lynis $lynis_version}."
    echo "Load average $load_start at the start, $load_end at the end."
    echo
    echo "| measure | target | ecs-doctor | \`lynis audit system --quick\` | lynis / ecs-doctor | target met |"
    echo "|---|---|---|---|---|---|"
    echo "| full run, wall time (mean ± σ, n = $RUNS) | ≤ 0.5 s | $(ms "$run_mean") ms ± $(ms "$run_sd") (median $(ms "$run_median"), min $(ms "$run_min"), max $(ms "$run_max")) | $l_time | $r_time | $run_ok (max) |"
    echo "| full run, peak RSS (max of $RSS_RUNS) | ≤ 30 MB | $(mb "$rss_max") MB ($rss_max KiB; runs: ${rss_all[*]}) | $l_rss | $r_rss | $rss_ok |"
    echo "| programs executed (successful execve, incl. \`unshare\` and the tool itself) | | $ecs_exec | $lynis_exec | $r_exec | |"
    echo "| \`ecs-doctor --version\` (mean ± σ, n = $VERSION_RUNS) | ≤ 5 ms | $(ms "$v_bare") ms ± $(ms "$v_bare_sd") (max $(ms "$v_bare_max")) | | | $vbare_ok |"
    echo "| \`unshare --net ecs-doctor --version\` | | $(ms "$v_unshare") ms ± $(ms "$v_unshare_sd") | | | |"
    echo "| \`unshare --net true\` (cost of the namespace) | | $(ms "$unshare_true") ms ± $(ms "$unshare_true_sd") | | | |"
    echo "| \`--version\` inside the namespace minus \`unshare --net true\` | ≤ 5 ms | $(ms "$v_diff") ms | | | $vdiff_ok |"
    echo "| \`true\` (process spawn floor) | | $(ms "$true_bare") ms | | | |"
    echo "| release binary size | ≤ 15 MB | $(calc 2 "$size_bytes / 1000000") MB ($size_bytes bytes) | | | $size_ok |"
    echo
    echo "The full run is \`unshare --net ecs-doctor run --no-save --format json\` on the live system: $counts"
    echo "(not ok: ${not_ok:-none}; the engine reported ${engine_ms} ms for the run itself)."
    echo "lynis is \`unshare --net lynis ${LYNIS_ARGS[*]}\`."
    echo "Peak RSS is ru_maxrss from /usr/bin/time -v: the largest single process of the tree, not a sum."
} >"$TABLE"

echo
cat "$TABLE"
log "table written to $TABLE; raw data in $RESULTS"
