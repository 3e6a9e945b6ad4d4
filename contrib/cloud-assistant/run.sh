#!/bin/sh
# ecs-doctor through Alibaba Cloud Assistant (RunCommand, Type=RunShellScript).
#
# Prints exactly one line on stdout: the summary line (`--format summary-json`, always under
# 24 KB, the size Cloud Assistant keeps of a command's output). The full report is written on the
# instance under $OUT_DIR and, when UPLOAD_URL is set (a pre-signed OSS PUT URL for this
# instance), uploaded there too. The exit status is ecs-doctor's: 0 ok, 1 warning, 2 critical,
# 3 unknown (Cloud Assistant shows a non-zero ExitCode as a failed invocation: read ExitCode as
# the health status).
#
# Settings (edit here, or pass them with RunCommand's custom parameters, {{name}} syntax):
BIN="${BIN:-/usr/local/bin/ecs-doctor}"
# Where to download the binary from when it is not installed: an HTTPS URL the instance can reach
# (for example a pre-signed GET URL of an OSS object over the internal endpoint), and its SHA-256.
BIN_URL="${BIN_URL:-}"
BIN_SHA256="${BIN_SHA256:-}"
DEADLINE="${DEADLINE:-40}"
OUT_DIR="${OUT_DIR:-/var/lib/ecs-doctor/fleet}"
UPLOAD_URL="${UPLOAD_URL:-}"
# What to run: "run" (every check), or one complaint walked in order, the cause first:
# "why ssh" for an instance nobody can log in to, "why port 443", "why network".
COMMAND="${COMMAND:-run}"
# Extra arguments for it, split on spaces: "--only disk", "--skip sec".
ARGS="${ARGS:-}"
set -u

if [ ! -x "$BIN" ]; then
    if [ -z "$BIN_URL" ]; then
        echo '{"schema":"ecs-doctor/summary/v1","error":"ecs-doctor is not installed and BIN_URL is empty"}'
        exit 3
    fi
    tmp="$(mktemp)" || exit 3
    if ! curl -fsS --max-time 60 -o "$tmp" "$BIN_URL" ||
        { [ -n "$BIN_SHA256" ] && ! echo "$BIN_SHA256  $tmp" | sha256sum -c --status; }; then
        rm -f "$tmp"
        echo '{"schema":"ecs-doctor/summary/v1","error":"could not download ecs-doctor (or its SHA-256 differs)"}'
        exit 3
    fi
    install -m 0755 "$tmp" "$BIN" && rm -f "$tmp"
fi

mkdir -p "$OUT_DIR" && chmod 700 "$OUT_DIR"
# The upload URL goes through the environment, not the command line, so other users of the
# instance cannot read its signature in the process list. stderr goes to a file: Cloud Assistant
# would mix it into Output.
if [ -n "$UPLOAD_URL" ]; then
    export ECS_DOCTOR_UPLOAD_URL="$UPLOAD_URL"
fi
# shellcheck disable=SC2086 # COMMAND and ARGS are lists of words
exec "$BIN" $COMMAND --format summary-json --deadline "$DEADLINE" --output-dir "$OUT_DIR" $ARGS 2>>"$OUT_DIR/stderr.log"
