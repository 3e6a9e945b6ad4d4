#!/usr/bin/env bash
# Builds the portable release of ecs-doctor for x86_64 Linux with glibc 2.17 or later (Alibaba Cloud
# Linux 2/3, CentOS 7/8, RHEL 7+, Ubuntu 18.04+, Debian 10+) and everything made from it:
#
#   target/x86_64-unknown-linux-gnu/release/ecs-doctor      the portable binary
#   target/dist/ecs-doctor_<version>-1_amd64.deb             Debian, Ubuntu
#   target/dist/ecs-doctor-<version>-1.x86_64.rpm            Alibaba Cloud Linux, CentOS, RHEL
#   target/dist/ecs-doctor-<version>-x86_64-linux.tar.gz     anything else (install.sh inside)
#
# The binary is linked by zig against glibc 2.17's symbol versions (`cargo zigbuild --target
# x86_64-unknown-linux-gnu.2.17`); the build fails if it imports any GLIBC_ symbol newer than that.
# The tools (cargo-zigbuild, cargo-deb, cargo-generate-rpm from crates.io; zig from the `ziglang`
# package on PyPI, in a venv) are installed once into a cache directory and reused:
# $ECS_DOCTOR_TOOLS_DIR, default ~/.cache/ecs-doctor-ci-tools. A plain `cargo build --release`
# still builds a binary for this machine's glibc, for development.
#
# Usage: release/build.sh [--binary-only]
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC_FLOOR=2.17
TRIPLE=x86_64-unknown-linux-gnu
# Versions known to work together and with this toolchain; change them together.
ZIGBUILD_VERSION=0.24.1
ZIGLANG_VERSION=0.14.1
DEB_VERSION=3.8.0
RPM_VERSION=0.21.1

binary_only=""
[ "${1:-}" = "--binary-only" ] && binary_only=1

TOOLS="${ECS_DOCTOR_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecs-doctor-ci-tools}"
export PATH="$TOOLS/bin:$PATH"
TARGET="${CARGO_TARGET_DIR:-target}"

installed_version() { # crate name -> version recorded by `cargo install --root $TOOLS`, or nothing
  sed -n "s/^\"$1 \([^ ]*\) .*/\1/p" "$TOOLS/.crates.toml" 2>/dev/null | head -n 1
}
tool() { # crate version: install it into $TOOLS unless that version is there
  if [ "$(installed_version "$1")" != "$2" ]; then
    cargo install "$1" --version "$2" --locked --root "$TOOLS"
  fi
}
tool cargo-zigbuild "$ZIGBUILD_VERSION"
if [ -z "$binary_only" ]; then
  tool cargo-deb "$DEB_VERSION"
  tool cargo-generate-rpm "$RPM_VERSION"
fi
# zig from PyPI, in its own venv (Debian's pip refuses system-wide installs); cargo-zigbuild runs it
# as `python -m ziglang`.
ZIG_VENV="$TOOLS/ziglang"
if [ "$("$ZIG_VENV/bin/python" -m ziglang version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
  rm -rf "$ZIG_VENV"
  python3 -m venv "$ZIG_VENV"
  "$ZIG_VENV/bin/pip" install -q "ziglang==$ZIGLANG_VERSION"
fi
export CARGO_ZIGBUILD_PYTHON_PATH="$ZIG_VENV/bin/python"
export CARGO_ZIGBUILD_CACHE_DIR="$TOOLS/zigbuild-cache"

cargo zigbuild --release --locked --target "$TRIPLE.$GLIBC_FLOOR"
bin="$TARGET/$TRIPLE/release/ecs-doctor"

# The glibc floor: every versioned glibc symbol the binary imports must be at most 2.17.
release/check-glibc-floor.sh "$bin" "$GLIBC_FLOOR"
[ -n "$binary_only" ] && exit 0

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
dist="$TARGET/dist"
rm -rf "$dist"
mkdir -p "$dist"

# The packages, from the portable binary: with --target, both tools take the binary from
# target/<triple>/release instead of target/release.
cargo deb --no-build --locked --target "$TRIPLE" -o "$dist/ecs-doctor_${version}-1_amd64.deb"
# xz, not the default zstd: rpm 4.11 (CentOS 7, Alibaba Cloud Linux 2) cannot unpack zstd payloads.
cargo generate-rpm --target "$TRIPLE" --target-dir "$TARGET" --payload-compress xz \
  -o "$dist/ecs-doctor-${version}-1.x86_64.rpm"

# The tarball: one folder with the binary, man page, completions, example config, README, the
# install script and SHA256SUMS of all of them.
name="ecs-doctor-${version}-x86_64-linux"
stage="$TARGET/dist-stage/$name"
rm -rf "$TARGET/dist-stage"
mkdir -p "$stage/completions"
install -m 755 "$bin" "$stage/ecs-doctor"
install -m 755 release/install.sh "$stage/install.sh"
install -m 644 completions/ecs-doctor.1 "$stage/ecs-doctor.1"
install -m 644 completions/ecs-doctor.bash completions/_ecs-doctor completions/ecs-doctor.fish "$stage/completions/"
install -m 644 config.example.toml README.md "$stage/"
(cd "$stage" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\./||' | xargs sha256sum > SHA256SUMS)
tar -C "$TARGET/dist-stage" --owner=0 --group=0 --numeric-owner -czf "$dist/$name.tar.gz" "$name"
(cd "$dist" && sha256sum -- *.deb *.rpm *.tar.gz > SHA256SUMS)
echo "built:"
ls -l "$dist"
