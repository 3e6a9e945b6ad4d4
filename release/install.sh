#!/bin/sh
# Installs ecs-doctor from this unpacked tarball (ecs-doctor-<version>-x86_64-linux): checks the
# SHA-256 sums, then copies the binary, the man page, the bash/zsh/fish completions, the example
# config and the README under a prefix, and runs `ecs-doctor --version` to show that it works here.
#
#   sudo ./install.sh                  # into /usr/local
#   ./install.sh --prefix "$HOME/.local"
#
# Needs only a POSIX shell, coreutils (sha256sum, install) and glibc 2.17 or later.
set -eu

prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 64; }
      prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument: $1 (use --prefix DIR)" >&2; exit 64 ;;
  esac
done
case "$prefix" in
  /*) ;;
  *) echo "install.sh: --prefix must be an absolute path, not $prefix" >&2; exit 64 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if ! sha256sum -c --quiet SHA256SUMS; then
  echo "install.sh: the files do not match SHA256SUMS; download the tarball again" >&2
  exit 1
fi

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
  "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d" "$prefix/share/doc/ecs-doctor"
install -m 755 ecs-doctor "$prefix/bin/ecs-doctor"
install -m 644 ecs-doctor.1 "$prefix/share/man/man1/ecs-doctor.1"
install -m 644 completions/ecs-doctor.bash "$prefix/share/bash-completion/completions/ecs-doctor"
install -m 644 completions/_ecs-doctor "$prefix/share/zsh/site-functions/_ecs-doctor"
install -m 644 completions/ecs-doctor.fish "$prefix/share/fish/vendor_completions.d/ecs-doctor.fish"
install -m 644 config.example.toml README.md "$prefix/share/doc/ecs-doctor/"

if ! "$prefix/bin/ecs-doctor" --version; then
  echo "install.sh: $prefix/bin/ecs-doctor was installed but does not run here (it needs x86_64 and glibc 2.17 or later)" >&2
  exit 1
fi
echo "installed into $prefix: run \`$prefix/bin/ecs-doctor\` (as root it sees more); example config in $prefix/share/doc/ecs-doctor/config.example.toml"
