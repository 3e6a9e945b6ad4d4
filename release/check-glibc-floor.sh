#!/usr/bin/env bash
# Fails when the ELF binary $1 needs a glibc newer than $2 (default 2.17): any GLIBC_x.y symbol
# version it requires (objdump -p, "Version References") or any undefined dynamic symbol it
# imports (objdump -T) above the floor, or GLIBC_PRIVATE. Prints what it found.
set -euo pipefail
bin="$1"
floor="${2:-2.17}"
refs=$(objdump -p "$bin" | sed -n '/^Version References:/,/^$/p' | grep -o 'GLIBC_[0-9A-Z_.]*' || true)
imports=$(objdump -T "$bin" | grep -F '*UND*' | grep -o 'GLIBC_[0-9A-Z_.]*' || true)
versions=$(printf '%s\n%s\n' "$refs" "$imports" | sed '/^$/d' | sort -u -V)
if [ -z "$versions" ]; then
  echo "check-glibc-floor: $bin requires no GLIBC_ symbol version at all: not a glibc-linked binary?" >&2
  exit 1
fi
bad=""
for v in $versions; do
  n="${v#GLIBC_}"
  case "$n" in
    [0-9]*) ;;
    *) bad="$bad $v"; continue ;;
  esac
  # newer than the floor when the floor does not sort last
  if [ "$n" != "$floor" ] && [ "$(printf '%s\n%s\n' "$n" "$floor" | sort -V | tail -n 1)" = "$n" ]; then
    bad="$bad $v"
  fi
done
newest=$(printf '%s\n' $versions | grep -v PRIVATE | tail -n 1)
if [ -n "$bad" ]; then
  echo "check-glibc-floor: $bin needs more than glibc $floor:$bad" >&2
  for v in $bad; do objdump -T "$bin" | grep -F "($v)" | sed 's/^/  /' >&2 || true; done
  exit 1
fi
echo "check-glibc-floor: $bin needs glibc $floor at most (newest symbol version: $newest)"
