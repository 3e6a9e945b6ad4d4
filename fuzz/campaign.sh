#!/usr/bin/env bash
# A fuzzing campaign over every target of fuzz/ (cargo-fuzz, libFuzzer), one target at a time.
#
#   fuzz/campaign.sh [--runs N] [--time SECONDS] [--targets "a b ..."] [--results FILE] [--ci] [--no-build]
#                    [--codegen-units N]
#
# Each target runs until N executions (default 10,000,000) or SECONDS of wall time (default 3600),
# whichever comes first, inside its own empty network namespace (`unshare --net`, when root), with
# libFuzzer's limits: 10 s per input (a hang), 2048 MB of RSS and 512 MB per allocation (out of
# memory). Seeds are built at fuzz time from the fixtures (tests/fixtures), the checks, this
# machine's /proc and firewall listings, and the real-log corpus read in place
# ($ECS_DOCTOR_REAL_LOGS, default ../shared/corpus/real-logs: never copied into the repository).
# The corpus each target grows is kept in fuzz/corpus/<target> (not in git) and reused by the
# next campaign; a crash, hang or OOM leaves its input in fuzz/artifacts/<target>/ and makes the
# script exit 1 after the other targets ran.
# The results (executions, time, rate, coverage, corpus, findings per target) are written as a
# Markdown table to FILE (default fuzz/results.md).
#
# --ci: the short run of .ci/run: 5 s per target (about 3 minutes for the 29 targets), built with
# 16 codegen units into a cached target directory (~/.cache/ecs-doctor-fuzz-target), results to a
# temporary file unless --results is given.
#
# --codegen-units N: build with N codegen units (as --ci does with 16): a much shorter build on a
# busy machine (the dependencies of a cached build are reused), for somewhat slower runs.
#
# Run a long campaign with `nice -n 19 fuzz/campaign.sh` (it keeps one CPU busy).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"
REAL_LOGS="${ECS_DOCTOR_REAL_LOGS:-$ROOT/../shared/corpus/real-logs}"
TOOLS="${ECS_DOCTOR_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecs-doctor-ci-tools}"
CARGO_FUZZ_VERSION=0.13.2
export PATH="$TOOLS/bin:$PATH"
export CARGO_INCREMENTAL=0

# The parser targets (fast: the bytes straight into the parsers), then the `_root` targets that run
# the tool's probes on a scratch root (slower; see the README, "Fuzzing").
PARSER_TARGETS="sshd_config fstab mountinfo proc auth_log kernel_log crontab sudoers pam shadow resolv_conf iptables nft dns_answer http_answer sntp_answer check_file config journal ssh_files"
ROOT_TARGETS="sshd_config_root fstab_root proc_root auth_log_root kernel_log_root crontab_root sudoers_root pam_root shadow_root"
ALL_TARGETS="$PARSER_TARGETS $ROOT_TARGETS"
runs=10000000
time_s=3600
targets="$ALL_TARGETS"
results=""
ci=0
build=1
cgu=""
while (($#)); do
    case "$1" in
        --runs) shift; runs="$1" ;;
        --time) shift; time_s="$1" ;;
        --targets) shift; targets="$1" ;;
        --results) shift; results="$1" ;;
        --ci) ci=1 ;;
        --no-build) build=0 ;;
        --codegen-units) shift; cgu="$1" ;;
        -h | --help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "fuzz/campaign.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
if ((ci)); then
    time_s=5
    results="${results:-$(mktemp /tmp/ecs-doctor-fuzz-ci.XXXXXX.md)}"
fi
results="${results:-$FUZZ/results.md}"
log() { echo "==> $*" >&2; }

# cargo-fuzz, installed once into the tools cache (like release/build.sh's tools).
if [ "$(sed -n 's/^"cargo-fuzz \([^ ]*\) .*/\1/p' "$TOOLS/.crates.toml" 2>/dev/null | head -n 1)" != "$CARGO_FUZZ_VERSION" ]; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS"
fi

# No sanitizer: the crate is safe Rust; libFuzzer still finds panics (crashes), hangs and OOMs.
build_args=(-s none)
target_dir="$FUZZ/target"
if ((ci)); then
    # CI builds faster (16 codegen units: slower runs, which a short run does not mind) into a
    # cached target directory, so only what changed is rebuilt from one CI run to the next.
    target_dir="${ECS_DOCTOR_FUZZ_TARGET:-${XDG_CACHE_HOME:-$HOME/.cache}/ecs-doctor-fuzz-target}"
    build_args+=(--codegen-units 16)
elif [ -n "$cgu" ]; then
    build_args+=(--codegen-units "$cgu")
fi
if ((build)); then
    log "building the fuzz targets (cargo +nightly fuzz build ${build_args[*]} --target-dir $target_dir)"
    (cd "$ROOT" && cargo +nightly fuzz build "${build_args[@]}" --target-dir "$target_dir" >&2)
fi
BIN_DIR="$target_dir/x86_64-unknown-linux-gnu/release"

WORK="$(mktemp -d /tmp/ecs-doctor-fuzz.XXXXXX)"
# The scratch roots the targets rewrite for every input (fuzz/src/lib.rs), in memory where there
# is a tmpfs: on this disk the file-writing targets ran 4 times slower (shadow: 3,150 inputs in
# 0.95 s against 0.23 s).
ROOTS="$(mktemp -d /dev/shm/ecs-doctor-fuzz.XXXXXX 2>/dev/null || mktemp -d /tmp/ecs-doctor-fuzz-roots.XXXXXX)"
trap 'rm -rf "$WORK" "$ROOTS"' EXIT
export ECS_DOCTOR_FUZZ_TMP="$ROOTS"

# ---------------------------------------------------------------- seeds
F="$ROOT/tests/fixtures"
n=0
seed() { # target file... : one seed, the files joined with NUL (a missing file is empty)
    local t="$1" first=1 f
    shift
    mkdir -p "$WORK/seeds/$t"
    n=$((n + 1))
    {
        for f in "$@"; do
            ((first)) || printf '\0'
            first=0
            [ -f "$f" ] && head -c 262144 "$f"
        done
    } >"$WORK/seeds/$t/seed-$n"
    return 0
}
seed_text() { # target text
    mkdir -p "$WORK/seeds/$1"
    n=$((n + 1))
    printf '%b' "$2" >"$WORK/seeds/$1/seed-$n"
}
each() { find "$F" "$ROOT/checks" -path "$1" -type f 2>/dev/null | sort; }
# Directories of the fixture trees ("root" of a check case, or a whole fixture root).
roots() { { find "$F/roots" -mindepth 1 -maxdepth 1 -type d; find "$F/checks" -type d -name root; } | sort; }

build_seeds() {
    local r f
    for r in $(roots); do
        [ -f "$r/etc/ssh/sshd_config" ] && seed sshd_config "$r/etc/ssh/sshd_config" $(ls "$r"/etc/ssh/sshd_config.d/*.conf 2>/dev/null | head -n 2)
        [ -f "$r/etc/fstab" ] && seed fstab "$r/etc/fstab"
        [ -f "$r/proc/self/mountinfo" ] && seed mountinfo "$r/proc/self/mountinfo"
        if [ -d "$r/proc" ]; then
            seed proc "$r/proc/1/stat" "$r/proc/stat" "$r/proc/diskstats" "$r/proc/net/dev" "$r/proc/net/tcp" "$r/proc/net/udp" \
                "$r/proc/net/route" "$r/proc/1/cmdline" "$r/proc/1/status" "$r/proc/meminfo" "$r/proc/loadavg" "$r/proc/sys/fs/file-nr"
        fi
        for f in "$r"/var/log/auth.log* "$r"/var/log/secure*; do [ -f "$f" ] && seed auth_log "$f"; done
        for f in "$r"/var/log/kern.log* "$r"/var/log/messages*; do [ -f "$f" ] && seed kernel_log "$f"; done
        if [ -f "$r/etc/crontab" ] || [ -d "$r/etc/cron.d" ] || [ -d "$r/var/spool/cron" ]; then
            seed crontab "$r/etc/crontab" $(ls "$r"/etc/cron.d/* 2>/dev/null | head -n 1) \
                $(ls "$r"/var/spool/cron/crontabs/* "$r"/var/spool/cron/* 2>/dev/null | head -n 1)
        fi
        [ -f "$r/etc/sudoers" ] && seed sudoers "$r/etc/sudoers" $(ls "$r"/etc/sudoers.d/* 2>/dev/null | head -n 2)
        [ -d "$r/etc/pam.d" ] && seed pam "$r/etc/pam.d/sshd" "$r/etc/pam.d/common-auth" "$r/etc/security/access.conf" \
            "$r/etc/security/faillock.conf" "$r/etc/security/limits.conf" "$(ls "$r"/var/run/faillock/* "$r"/run/faillock/* 2>/dev/null | head -n 1)" \
            "$r/etc/pam.d/password-auth"
        [ -f "$r/etc/shadow" ] && seed shadow "$r/etc/shadow" "$r/etc/passwd" "$r/etc/group"
        [ -f "$r/etc/resolv.conf" ] && seed resolv_conf "$r/etc/resolv.conf"
        for f in "$r"/root/.ssh/authorized_keys "$r"/home/*/.ssh/authorized_keys; do
            [ -f "$f" ] && seed ssh_files "$f" "$r/etc/hosts.allow" "$r/etc/hosts.deny"
        done
        [ -f "$r/etc/hosts.deny" ] && seed ssh_files /dev/null "$r/etc/hosts.allow" "$r/etc/hosts.deny"
    done
    for f in $(each '*/checks/*.toml'); do seed check_file "$f"; done
    seed config "$ROOT/config.example.toml"
    # This machine's own files and listings: real /proc text and real rulesets.
    seed proc /proc/self/stat /proc/stat /proc/diskstats /proc/net/dev /proc/net/tcp /proc/net/udp /proc/net/route \
        /proc/self/cmdline /proc/self/status /proc/meminfo /proc/loadavg /proc/sys/fs/file-nr
    seed mountinfo /proc/self/mountinfo
    seed fstab /etc/fstab
    for f in /etc/pam.d/sshd; do [ -f "$f" ] && seed pam "$f" /etc/pam.d/common-auth /etc/security/access.conf /etc/security/faillock.conf /etc/security/limits.conf; done
    [ -f /etc/ssh/sshd_config ] && seed sshd_config /etc/ssh/sshd_config $(ls /etc/ssh/sshd_config.d/*.conf 2>/dev/null | head -n 2)
    mkdir -p "$WORK/seeds/iptables" "$WORK/seeds/nft"
    if command -v iptables-save >/dev/null 2>&1; then iptables-save >"$WORK/seeds/iptables/live" 2>/dev/null || true; fi
    if command -v nft >/dev/null 2>&1; then nft -j list ruleset >"$WORK/seeds/nft/live" 2>/dev/null || true; fi
    seed_text iptables '*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT\n-A INPUT -s 10.0.0.0/8 -j REJECT --reject-with icmp-port-unreachable\n-N f2b-sshd\n-A f2b-sshd -s 203.0.113.9/32 -j REJECT\n-A f2b-sshd -j RETURN\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n'
    seed_text nft '{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 5, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 6, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [80, 443, {"range": [8000, 8080]}]}}}, {"jump": {"target": "web"}}]}}]}'
    seed_text http_answer 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\ni-bp1abcdefghijklmnopq'
    seed_text http_answer 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n100.100\r\n9\r\n.2.136\n10\r\n0\r\n\r\n'
    seed_text http_answer 'HTTP/1.0 403 Forbidden\r\nServer: Tengine\r\n\r\n<html><body>X-Forwarded-For</body></html>'
    seed_text http_answer 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'
    seed_text sntp_answer '\x24\x02\x03\xe9\x00\x00\x00\x10\x00\x00\x00\x20\x64\x64\xc8\x01\xeb\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\xeb\x00\x00\x01\x00\x00\x00\x00\xeb\x00\x00\x01\x10\x00\x00\x00'
    seed_text sntp_answer '\xdc\x00\x00\x00'
    # DNS answers: an A answer, NXDOMAIN, a PTR answer, SERVFAIL (RFC 1035 wire format).
    mkdir -p "$WORK/seeds/dns_answer"
    python3 - "$WORK/seeds/dns_answer" <<'PY'
import struct, sys
def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.strip(".").split(".")) + b"\0"
def msg(rcode, qname, qtype, answers):
    head = struct.pack(">HHHHHH", 0x1234, 0x8180 | rcode, 1, len(answers), 0, 0)
    q = name(qname) + struct.pack(">HH", qtype, 1)
    body = b""
    for rtype, rdata in answers:
        body += b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, 300, len(rdata)) + rdata
    return head + q + body
out = sys.argv[1]
seeds = {
    "a": msg(0, "mirrors.cloud.aliyuncs.com", 1, [(1, bytes([100, 100, 2, 148])), (1, bytes([100, 100, 2, 136]))]),
    "cname": msg(0, "mirrors.cloud.aliyuncs.com", 1, [(5, name("x.example.com")), (1, bytes([10, 0, 0, 1]))]),
    "nxdomain": msg(3, "nope.example", 1, []),
    "servfail": msg(2, "example.com", 1, []),
    "ptr": msg(0, "2.1.0.10.in-addr.arpa", 12, [(12, name("gw.example.net"))]),
}
for k, v in seeds.items():
    open(f"{out}/{k}", "wb").write(v)
PY
    seed_text journal '{"__REALTIME_TIMESTAMP":"1733400000000000","_HOSTNAME":"web-1","SYSLOG_IDENTIFIER":"sshd","_PID":"4242","MESSAGE":"Failed password for root from 203.0.113.9 port 52222 ssh2"}\n{"__REALTIME_TIMESTAMP":"1733400001000000","_HOSTNAME":"web-1","SYSLOG_IDENTIFIER":"kernel","MESSAGE":[79,117,116,32,111,102,32,109,101,109,111,114,121]}\n'
    # The real-log corpus, in place: sshd logs for the auth log; kernel logs for the kernel log.
    if [ -d "$REAL_LOGS" ]; then
        for f in loghub/OpenSSH_2k.log loghub/Linux_2k.log fail2ban/sshd fail2ban/sshd-journal beats/secure-rhel7.head.log; do
            [ -f "$REAL_LOGS/$f" ] && echo "$REAL_LOGS/$f" >>"$WORK/seeds.auth_log"
        done
        for d in syzkaller abrt lkml npd cadvisor; do
            [ -d "$REAL_LOGS/$d" ] && echo "$REAL_LOGS/$d" >>"$WORK/seeds.kernel_log"
        done
        [ -f "$REAL_LOGS/loghub/Linux_2k.log" ] && echo "$REAL_LOGS/loghub/Linux_2k.log" >>"$WORK/seeds.kernel_log"
    else
        log "no real-log corpus at $REAL_LOGS: seeds from the fixtures only"
    fi
    # Files of the corpus are passed to libFuzzer as seed files; it never writes to them (new
    # inputs go to fuzz/corpus/<target>). Whole files become one seed each: split the large ones.
    for t in auth_log kernel_log; do
        [ -f "$WORK/seeds.$t" ] || continue
        mkdir -p "$WORK/seeds/$t"
        while read -r p; do
            find "$p" -type f ! -name '*.csv' ! -name '*.json' ! -name README.md | while read -r f; do
                split -l 200 -a 3 "$f" "$WORK/seeds/$t/$(echo "${f#"$REAL_LOGS"/}" | tr '/' '_')."
            done
        done <"$WORK/seeds.$t"
    done
    # A `_root` target reads the same input as its parser target (the same files, NUL-separated).
    for t in $ROOT_TARGETS; do
        mkdir -p "$WORK/seeds/$t"
        cp -r "$WORK/seeds/${t%_root}/." "$WORK/seeds/$t/" 2>/dev/null || true
    done
    return 0
}
log "building seeds in $WORK/seeds"
build_seeds

# ---------------------------------------------------------------- run
max_len() {
    case "$1" in
        journal | proc | nft | auth_log_root | kernel_log_root | proc_root) echo 65536 ;;
        # Line parsers whose cost is per byte (regexes, char by char): a few dozen lines are
        # enough for any line or cross-line state, and the runs are several times faster.
        fstab | crontab | iptables) echo 4096 ;;
        # sudoers and sshd_config slowed from 7,000 and 2,500 to 2,600 and 1,000 a second as their
        # inputs grew toward 16384 bytes; a few hundred lines still reach every directive.
        auth_log | kernel_log | sudoers | sshd_config) echo 8192 ;;
        dns_answer | sntp_answer) echo 2048 ;;
        *) echo 16384 ;;
    esac
}
ns=()
if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then ns=(unshare --net); fi
mkdir -p "$FUZZ/corpus" "$FUZZ/artifacts"
failed=()
rows=()
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
for t in $targets; do
    corpus="$FUZZ/corpus/$t"
    arts="$FUZZ/artifacts/$t"
    stalls_dir="$FUZZ/artifacts/stalls/$t"
    mkdir -p "$corpus" "$arts" "$WORK/seeds/$t"
    before="$(find "$arts" -type f | wc -l)"
    out="$WORK/$t.log"
    : >"$out.all"
    log "$t: up to $runs executions or $time_s s"
    execs=0 stalls=0 rc=0 peak=""
    t0="$(date +%s)"
    end=$((t0 + time_s))
    # libFuzzer's timeout is wall time. Under `nice -n 19` on a busy shared machine the fuzzer can
    # be starved for longer than the timeout (a 24 s stall was seen at load average 39), so a
    # timeout is only a hang if its input, run again alone, still runs over 10 s; otherwise the
    # input is kept in fuzz/artifacts/stalls/<target>/, counted as a stall, and fuzzing resumes on
    # the corpus for the executions and time that are left.
    while :; do
        left=$((end - $(date +%s)))
        ((left > 0)) || break
        rc=0
        # -fork=0, one job: a long campaign shares the machine.
        "${ns[@]}" "$BIN_DIR/$t" "$corpus" "$WORK/seeds/$t" \
            -runs="$((runs - execs))" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
            -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$arts/" >"$out" 2>&1 || rc=$?
        cat "$out" >>"$out.all"
        n="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)"
        execs=$((execs + ${n:-0}))
        p="$(sed -n 's/^stat::peak_rss_mb: *//p' "$out" | tail -n 1)"
        [ -n "$p" ] && { [ -z "$peak" ] || [ "$p" -gt "$peak" ]; } && peak="$p"
        # New timeout or slow-unit inputs that run at once alone are stalls, not findings.
        new_files="$(find "$arts" -maxdepth 1 -type f -newermt "@$t0" ! -name 'log-*')"
        stalled=0
        if [ -n "$new_files" ] && ! echo "$new_files" | grep -qv -e '/timeout-' -e '/slow-unit-'; then
            stalled=1
            for f in $new_files; do
                timeout 10 "${ns[@]}" "$BIN_DIR/$t" "$f" >/dev/null 2>&1 || stalled=0
            done
        fi
        if ((stalled)); then
            mkdir -p "$stalls_dir"
            # shellcheck disable=SC2086 # the names are libFuzzer's (hex digests)
            mv $new_files "$stalls_dir/"
            stalls=$((stalls + $(echo "$new_files" | wc -l)))
            log "$t: a timeout or slow unit that does not reproduce (its input runs at once alone): a stall of the machine"
            # libFuzzer goes on after a slow unit but stops at a timeout: resume then.
            [ "$rc" -ne 0 ] && grep -q 'ERROR: libFuzzer: timeout' "$out" && ((execs < runs)) && continue
            # A stall only stopped the run: it is not the target's failure.
            [ "$rc" -ne 0 ] && grep -q 'ERROR: libFuzzer: timeout' "$out" && rc=0
        fi
        break
    done
    out="$out.all"
    secs=$(($(date +%s) - t0))
    last="$(grep -E '^#[0-9]+' "$out" | tail -n 1)"
    cov="$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')"
    ft="$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')"
    corp="$(find "$corpus" -type f | wc -l)"
    after="$(find "$arts" -type f | wc -l)"
    found=$((after - before))
    rate=""
    [ "$secs" -gt 0 ] && rate=$((execs / secs))
    verdict="none"
    ((stalls)) && verdict="none ($stalls stall(s) of the machine: timeouts or slow units that did not reproduce, in fuzz/artifacts/stalls/$t/)"
    if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
        verdict="FOUND (exit $rc, $found new input(s) in fuzz/artifacts/$t/)"
        failed+=("$t")
        grep -E 'panicked|ERROR: libFuzzer|SUMMARY' "$out" | head -n 5 >&2 || true
        cp "$out" "$arts/log-$(date +%s).txt"
    fi
    load="$(cut -d ' ' -f 1 /proc/loadavg)"
    reached="no"
    [ "${execs:-0}" -ge 10000000 ] && reached="yes"
    rows+=("| \`$t\` | ${execs:-?} | ${secs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | $corp | ${peak:-?} | $load | $reached | $verdict |")
    log "$t: ${execs:-?} executions in ${secs:-?} s, cov ${cov:-?}, ft ${ft:-?}, corpus $corp, $verdict"
done

{
    echo "Fuzzing campaign started $started, source tree at $commit; \`fuzz/campaign.sh --runs $runs --time $time_s\`"
    [ -n "$cgu" ] && echo "(built with --codegen-units $cgu)"
    echo "on $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), one target at a time, no sanitizer"
    echo "(safe Rust: panics, hangs over 10 s and RSS over 2048 MB or allocations over 512 MB are findings)."
    echo
    echo "| target | executions | seconds | exec/s | cov (edges) | ft (features) | corpus | peak RSS MB | load (1 min, at end) | 10 M | crash / hang / OOM |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} >"$results"
cat "$results"
log "results in $results"
if ((${#failed[@]})); then
    log "findings in: ${failed[*]}"
    exit 1
fi
