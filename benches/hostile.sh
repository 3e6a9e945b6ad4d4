#!/usr/bin/env bash
# Large and hostile hosts (issue 19): the full run's wall time and peak RSS against the size of a
# host, and on inputs built to hang or exhaust a reader.
#
#   bash benches/hostile.sh [--no-build] [--quick] [--only NAME...] [--results FILE]
#
# Every point is `unshare --net ecs-doctor run --no-save --format json` (all the built-in checks)
# under /usr/bin/time -v, $RUNS times (wall: median and max; RSS: max). Hosts are built two ways:
#   - fixture roots (`--root DIR`, a copy of tests/fixtures/roots/healthy plus the large part):
#     processes (/proc/PID/{stat,status,cmdline}), mounts (/proc/self/mountinfo), files in /tmp,
#     an auth log, a crontab, sockets (/proc/net/tcp); at 1 %, 10 % and 100 % of the target size, so
#     the cost against size shows whether it is linear;
#   - real namespaces (the live run, no --root): N `sleep` processes in a PID namespace
#     (`unshare --pid --mount-proc`), N tmpfs mounts and N files in a tmpfs /tmp in a mount
#     namespace, N listening TCP sockets held by one process in the network namespace;
#   - hostile inputs in fixture roots: /proc files and config and log files that never end
#     (symlinks to /dev/zero and /dev/urandom), a FIFO nobody writes (open blocks: the deadline must
#     end the run), and symlink loops under /etc/ssh (a file pointing at itself, two files pointing
#     at each other, a directory pointing at its parent, Include globs through them).
# Targets: every point ≤ 1 s and ≤ 64 MB RSS; the FIFO point ends at its deadline (--deadline 2).
# Writes a Markdown table to benches/hostile-results.md (or FILE); raw /usr/bin/time output and
# the reports go to benches/results/hostile/. Needs root (namespaces, mounts). Run it under
# `flock /tmp/ecs-doctor-lab.lock` so it does not measure while the lab tests run.
set -euo pipefail

RUNS="${RUNS:-3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/ecs-doctor"
RAW="$ROOT/benches/results/hostile"
TABLE="$ROOT/benches/hostile-results.md"
build=1
quick=0
only=""
while (($#)); do
    case "$1" in
        --no-build) build=0 ;;
        --quick) quick=1 ;;
        --only) shift; only="$only $1 " ;;
        --results) shift; TABLE="$1" ;;
        -h | --help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "benches/hostile.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ "$(id -u)" -eq 0 ]] || { echo "benches/hostile.sh: run as root (namespaces, mounts)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || apt-get install -y -qq time >/dev/null
log() { echo "==> $*" >&2; }
wanted() { [[ -z "$only" || "$only" == *" $1 "* ]]; }

cd "$ROOT"
if ((build)); then cargo build --release >&2; fi
[[ -x "$BIN" ]] || { echo "no $BIN: build it or drop --no-build" >&2; exit 1; }
mkdir -p "$RAW"
rm -f "$RAW"/*.txt "$RAW"/*.json
WORK="$(mktemp -d /tmp/ecs-doctor-hostile.XXXXXX)"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# ---------------------------------------------------------------- measuring
rows=()
# point NAME SIZE -- command...: runs the command RUNS times under /usr/bin/time -v.
point() {
    local name="$1" size="$2" i rc walls=() rss=() out report="$RAW/$1-$2.json"
    shift 3
    for ((i = 1; i <= RUNS; i++)); do
        out="$RAW/$name-$size-$i.txt"
        rc=0
        /usr/bin/time -v -o "$out" "$@" >"$report" 2>"$RAW/$name-$size.stderr" || rc=$?
        # 0..3 are the tool's verdicts (an empty network namespace has no route: crit).
        if ((rc > 3)); then
            log "$name $size: exit status $rc"
            rows+=("| $name | $size | exit status $rc | | | no |")
            return 0
        fi
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + p[j]; print s }' "$out")")
        rss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out")")
    done
    local med max rmax
    med="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
    max="$(printf '%s\n' "${walls[@]}" | sort -n | tail -n 1)"
    rmax="$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)"
    local checks notes ok
    checks="$(jq -r '.summary.counts | "\(.ok) ok, \(.warn) warn, \(.crit) crit, \(.error) error, \(.skipped) skipped"' "$report" 2>/dev/null || echo "no report")"
    # What the run says it cut or capped (evidence and notes mentioning it), for the table.
    notes="$(jq -r '[.checks[] | select(((.evidence // []) + [.message // ""] | join(" ")) | test("truncat|cut at|capped|only the (first|last)|longer than|not all|stopped at|limit"; "i")) | .id] | unique | join(", ")' "$report" 2>/dev/null || true)"
    ok="yes"
    awk -v m="$max" -v r="$rmax" -v lim="${LIMIT_S:-1}" 'BEGIN { exit !(m <= lim && r * 1024 <= 64000000) }' || ok="no"
    rows+=("| $name | $size | $(awk -v a="$med" 'BEGIN { printf "%.0f", a * 1000 }') ms (max $(awk -v a="$max" 'BEGIN { printf "%.0f", a * 1000 }')) | $(awk -v k="$rmax" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }') MB | $checks${notes:+; says it cut: $notes} | $ok |")
    log "$name $size: ${med}s (max ${max}s), ${rmax} KiB"
}
run_root() { unshare --net "$BIN" run --no-save --format json --root "$1" "${@:2}"; }
run_live() { "$BIN" run --no-save --format json "$@"; }

base_root() { # DIR: a copy of the healthy fixture root
    rm -rf "$1"
    cp -a "$ROOT/tests/fixtures/roots/healthy" "$1"
}

if ((quick)); then SCALES="0.01 0.1"; else SCALES="0.01 0.1 1"; fi
scaled() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%d", n * s }'; }

# ---------------------------------------------------------------- fixture roots at scale
R="$WORK/root"
if wanted processes; then
    for s in $SCALES; do
        n="$(scaled 10000 "$s")"
        base_root "$R"
        python3 - "$R" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    pid = 1000 + i
    d = f"{root}/proc/{pid}"
    os.makedirs(d)
    name = ["nginx", "php-fpm", "java", "python3", "bash"][i % 5]
    open(f"{d}/stat", "w").write(f"{pid} ({name}) S 1 {pid} {pid} 0 -1 4194560 1000 0 0 0 {i % 500} {i % 90} 0 0 20 0 1 0 {5000 + i} 104857600 2500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 {i % 2} 0 0 0 0 0\n")
    open(f"{d}/status", "w").write(f"Name:\t{name}\nState:\tS (sleeping)\nPid:\t{pid}\nPPid:\t1\nUid:\t{33 if i % 3 else 0}\t33\t33\t33\nVmRSS:\t10000 kB\n")
    open(f"{d}/cmdline", "w").write(f"/usr/sbin/{name}\0--worker\0{i}\0")
PY
        point processes "$n" -- run_root "$R"
    done
fi
if wanted mounts; then
    for s in $SCALES; do
        n="$(scaled 4000 "$s")"
        base_root "$R"
        {
            echo "22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw"
            for ((i = 0; i < n; i++)); do
                echo "$((100 + i)) 22 0:$((50 + i)) / /srv/m$i rw,nosuid,nodev,relatime shared:$((2 + i)) - tmpfs tmpfs rw,size=1024k"
            done
        } >"$R/proc/self/mountinfo"
        point mounts "$n" -- run_root "$R"
    done
fi
if wanted tmp-files; then
    for s in $SCALES; do
        n="$(scaled 100000 "$s")"
        base_root "$R"
        mkdir -p "$R/tmp"
        python3 -c "
import sys
for i in range(int(sys.argv[2])): open(f'{sys.argv[1]}/tmp/f{i}', 'w').write('x')
" "$R" "$n"
        point tmp-files "$n" -- run_root "$R"
    done
fi
gen_auth() { # FILE BYTES: sshd failures from 1000 addresses, accepted logins, cron noise
    awk -v limit="$2" 'BEGIN {
        bytes = 0; i = 0
        while (bytes < limit) {
            g = int(i / 3); ip = sprintf("203.0.%d.%d", int(g / 250) % 4, g % 250 + 1); s = int(i / 20) % 86400
            k = i % 6
            if (k < 3) msg = sprintf("sshd[%d]: Failed password for root from %s port %d ssh2", 10000 + g % 50000, ip, 30000 + i % 30000)
            else if (k == 3) msg = sprintf("sshd[%d]: Invalid user admin%d from %s port %d", 10000 + g % 50000, g % 50, ip, 30000 + i % 30000)
            else if (k == 4) msg = sprintf("CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", 20000 + i % 9999)
            else msg = sprintf("sshd[%d]: Accepted publickey for deploy from 10.0.0.%d port %d ssh2: ED25519 SHA256:abc", 10000 + g % 50000, i % 200 + 1, 40000 + i % 20000)
            line = sprintf("Dec  4 %02d:%02d:%02d web-1 %s", int(s / 3600), int(s / 60) % 60, s % 60, msg)
            print line; bytes += length(line) + 1; i++
        }
    }' >"$1"
}
if wanted auth-log; then
    for s in $SCALES; do
        bytes="$(scaled 1000000000 "$s")"
        base_root "$R"
        # 1 GB is made from a 10 MB block repeated (the reader sees the same lines again).
        gen_auth "$WORK/auth-block" "$(( bytes < 10000000 ? bytes : 10000000 ))"
        : >"$R/var/log/auth.log"
        while (($(stat -c %s "$R/var/log/auth.log") < bytes)); do cat "$WORK/auth-block" >>"$R/var/log/auth.log"; done
        point auth-log "$((bytes / 1000000))MB" -- run_root "$R"
    done
fi
if wanted crontab; then
    for s in $SCALES; do
        bytes="$(scaled 50000000 "$s")"
        base_root "$R"
        awk -v limit="$bytes" 'BEGIN { b = 0; i = 0; while (b < limit) { l = sprintf("%d * * * * root /usr/local/bin/backup --job %d >/dev/null 2>&1", i % 60, i); print l; b += length(l) + 1; i++ } }' >"$R/etc/crontab"
        point crontab "$((bytes / 1000000))MB" -- run_root "$R"
    done
fi
if wanted sockets; then
    for s in $SCALES; do
        n="$(scaled 100000 "$s")"
        base_root "$R"
        awk -v n="$n" 'BEGIN {
            print "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
            for (i = 0; i < n; i++) {
                st = (i < 20) ? "0A" : "01"
                printf "%5d: 0100007F:%04X 0200000A:%04X %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n", i, 1024 + i % 60000, 443, st, 100000 + i
            }
        }' >"$R/proc/net/tcp"
        point sockets "$n" -- run_root "$R"
    done
fi

# ---------------------------------------------------------------- real namespaces at scale
if wanted live-processes; then
    for s in $SCALES; do
        n="$(scaled 10000 "$s")"
        # A PID namespace with its own /proc: N sleeping processes besides the tool.
        point live-processes "$n" -- unshare --pid --fork --mount-proc --net bash -c '
            for ((i = 0; i < '"$n"'; i++)); do sleep 3600 & done
            "$0" run --no-save --format json; rc=$?
            kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; exit $rc' "$BIN"
    done
fi
if wanted live-mounts; then
    for s in $SCALES; do
        n="$(scaled 4000 "$s")"
        point live-mounts "$n" -- unshare --mount --propagation private --net bash -c '
            mkdir -p '"$WORK"'/mnt && mount -t tmpfs base '"$WORK"'/mnt
            for ((i = 0; i < '"$n"'; i++)); do mkdir '"$WORK"'/mnt/m$i && mount -t tmpfs -o size=64k m$i '"$WORK"'/mnt/m$i; done
            exec "$0" run --no-save --format json' "$BIN"
    done
fi
if wanted live-tmp-files; then
    for s in $SCALES; do
        n="$(scaled 100000 "$s")"
        point live-tmp-files "$n" -- unshare --mount --propagation private --net bash -c '
            mount -t tmpfs tmp /tmp
            python3 -c "
for i in range('"$n"'): open(f\"/tmp/f{i}\", \"w\").write(\"x\")"
            exec "$0" run --no-save --format json' "$BIN"
    done
fi
if wanted live-sockets; then
    for s in $SCALES; do
        n="$(scaled 100000 "$s")"
        # One process holds N listening sockets on loopback addresses (65,000 ports each) of the
        # namespace, then runs the tool as its child in the same namespace.
        point live-sockets "$n" -- unshare --net python3 -c '
import os, socket, subprocess, sys, resource
n = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 1000, n + 1000))
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
socks = []
for i in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((f"127.0.{i // 60000}.1", 1024 + i % 60000))
    s.listen(1)
    socks.append(s)
sys.exit(subprocess.run([sys.argv[1], "run", "--no-save", "--format", "json"]).returncode)
' "$BIN" "$n"
    done
fi

# ---------------------------------------------------------------- hostile inputs
if wanted endless; then
    for dev in zero urandom; do
        base_root "$R"
        mkdir -p "$R/proc/1" "$R/proc/net" "$R/proc/sys/fs"
        for f in proc/meminfo proc/loadavg proc/stat proc/diskstats proc/net/tcp proc/net/udp proc/net/route proc/net/dev \
            proc/self/mountinfo proc/1/stat proc/1/status proc/1/cmdline proc/sys/fs/file-nr proc/uptime \
            etc/ssh/sshd_config etc/crontab etc/fstab etc/resolv.conf etc/shadow etc/sudoers var/log/auth.log var/log/kern.log; do
            mkdir -p "$(dirname "$R/$f")"
            rm -f "$R/$f"
            ln -s "/dev/$dev" "$R/$f"
        done
        point "endless-/dev/$dev" "21 files" -- run_root "$R"
    done
fi
if wanted fifo; then
    base_root "$R"
    rm -f "$R/proc/meminfo" "$R/etc/ssh/sshd_config"
    mkfifo "$R/proc/meminfo" "$R/etc/ssh/sshd_config"
    LIMIT_S=2.5 point "fifo-nobody-writes (--deadline 2)" "2 files" -- run_root "$R" --deadline 2
fi
if wanted symlink-loop; then
    base_root "$R"
    S="$R/etc/ssh"
    ln -s loop.conf "$S/sshd_config.d/loop.conf"
    ln -s b.conf "$S/sshd_config.d/a.conf"
    ln -s a.conf "$S/sshd_config.d/b.conf"
    ln -s .. "$S/sshd_config.d/up"
    ln -s . "$S/self"
    ln -s ssh_host_loop_key "$S/ssh_host_loop_key"
    ln -s ssh_host_loop_key "$S/ssh_host_loop_key.pub"
    printf 'Include /etc/ssh/sshd_config.d/*.conf\nInclude /etc/ssh/self/self/self/sshd_config\nInclude /etc/ssh/sshd_config.d/up/sshd_config.d/up/*\n' >>"$S/sshd_config"
    point symlink-loop-/etc/ssh "7 links" -- run_root "$R"
fi

{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
    echo "source tree at $(git -C "$ROOT" rev-parse --short HEAD), release binary built $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC'); $RUNS runs per point."
    echo
    echo "| host | size | full run, wall (median of $RUNS, max) | peak RSS (max) | checks | ≤ 1 s and ≤ 64 MB |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} >"$TABLE"
cat "$TABLE"
