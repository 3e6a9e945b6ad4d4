#!/usr/bin/env bash
# Shows that two builds of ecs-doctor write the same JSON report for every fixture root.
#
#   bash scripts/compare-reports.sh OLD_BIN NEW_BIN
#
# Runs each binary on every root under tests/fixtures/roots (`--root R --format json --no-save
# --lang en`), each run inside its own empty network namespace (`unshare --net`, needs root), and
# diffs the two reports after removing what differs from run to run: the run id, start and finish
# times, every `duration_ms`, argv[0] (the binary's path), and the free bytes and inodes of a
# filesystem that a fixture root without its own statfs data leaves to the live disk under the
# checkout (ds-fstab, ds-klog: other builds on this machine change them between two runs). Anything
# else that differs, the exit code and stderr included, is a change of behaviour. Exits 0 when every root gives the same report, 1 otherwise (the diffs are
# printed), 2 on a usage error.
#
# Used to prove that a reshaping of the code (issue 13) changes no report: build the old binary
# from a copy of main (`git worktree add --detach /tmp/base main && cargo build` there), build
# yours, run this.
set -euo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
    echo "usage: $0 OLD_BIN NEW_BIN (both executable)" >&2
    exit 2
fi
OLD="$(realpath "$1")"
NEW="$(realpath "$2")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Both builds see the same environment: no config file, no colour, fixed language and report dir.
run() {
    local bin="$1" root="$2" out="$3"
    # The exit code is part of the behaviour (0 ok, 1 warn, 2 crit, ...): keep it beside the report.
    local rc=0
    env -i PATH="$PATH" HOME="$WORK/home" NO_COLOR=1 LANG=C.UTF-8 \
        ECS_DOCTOR_REPORT_DIR="$WORK/reports" \
        unshare --net "$bin" --root "$root" --format json --no-save --lang en >"$out.raw" 2>"$out.err" || rc=$?
    echo "$rc" >"$out.rc"
    jq -S 'del(.run.id, .run.started_at, .run.finished_at, .run.argv[0])
           | del(.. | .duration_ms?)
           | (.checks[] | select(.metrics != null) | .metrics)
               |= with_entries(select(.key | test("^(avail_bytes|inodes_free)\\[") | not))' "$out.raw" >"$out" 2>>"$out.err" || cp "$out.raw" "$out"
}

status=0
count=0
cd "$ROOT"
for dir in tests/fixtures/roots/*/; do
    name="$(basename "$dir")"
    run "$OLD" "$dir" "$WORK/$name.old"
    run "$NEW" "$dir" "$WORK/$name.new"
    count=$((count + 1))
    same=1
    if ! diff -u "$WORK/$name.old.rc" "$WORK/$name.new.rc" >/dev/null; then
        echo "== $name: exit code $(cat "$WORK/$name.old.rc") -> $(cat "$WORK/$name.new.rc")"
        same=0
    fi
    if ! diff -u "$WORK/$name.old" "$WORK/$name.new" >"$WORK/$name.diff"; then
        echo "== $name: the reports differ"
        cat "$WORK/$name.diff"
        same=0
    fi
    if ! diff -u "$WORK/$name.old.err" "$WORK/$name.new.err" >"$WORK/$name.errdiff"; then
        echo "== $name: stderr differs"
        cat "$WORK/$name.errdiff"
        same=0
    fi
    if [ "$same" = 1 ]; then
        echo "same: $name (exit $(cat "$WORK/$name.new.rc"), $(jq '.checks | length' "$WORK/$name.new") checks)"
    else
        status=1
    fi
done
if [ "$status" = 0 ]; then
    echo "all $count fixture roots: identical reports"
else
    echo "some of the $count fixture roots differ" >&2
fi
exit "$status"
