#!/bin/sh
# Install finops: download the release tarball for this OS and architecture, check it against sha256sums.txt, and
# put the binary in ~/.local/bin (or /usr/local/bin as root, or PREFIX/bin with --prefix PREFIX).
#
#   curl -fsSL <base-url>/install.sh | sh
#   sh install.sh [--base-url URL] [--prefix DIR] [--bin-dir DIR]
#
# FINOPS_BASE_URL overrides the default download location (the project's release page) as --base-url does.
set -eu

BASE_URL="${FINOPS_BASE_URL:-https://github.com/finops-cli/finops/releases/latest/download}"
BIN_DIR=""

say() { printf '%s\n' "$*" >&2; }
fail() { say "install.sh: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --base-url) [ $# -ge 2 ] || fail "--base-url needs a URL"; BASE_URL="$2"; shift 2 ;;
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a folder"; BIN_DIR="$2/bin"; shift 2 ;;
    --bin-dir) [ $# -ge 2 ] || fail "--bin-dir needs a folder"; BIN_DIR="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
done
BASE_URL="${BASE_URL%/}"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) fail "unsupported OS $(uname -s): finops is built for Linux and macOS" ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) fail "unsupported architecture $(uname -m): finops is built for x64 and arm64" ;;
esac

if [ -z "$BIN_DIR" ]; then
  if [ "$(id -u)" = 0 ]; then BIN_DIR=/usr/local/bin; else BIN_DIR="${HOME}/.local/bin"; fi
fi

fetch() { # fetch URL FILE
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
  else fail "needs curl or wget to download"; fi
}
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else fail "needs sha256sum or shasum to verify the download"; fi
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM

fetch "$BASE_URL/sha256sums.txt" "$tmp/sha256sums.txt" || fail "cannot download $BASE_URL/sha256sums.txt"
line="$(grep -E "  finops-[^ ]+-${os}-${arch}\.tar\.gz\$" "$tmp/sha256sums.txt" | head -n 1 || true)"
[ -n "$line" ] || fail "no finops build for ${os}-${arch} in $BASE_URL/sha256sums.txt"
want="${line%% *}"
file="${line##* }"

say "downloading $file"
fetch "$BASE_URL/$file" "$tmp/$file" || fail "cannot download $BASE_URL/$file"
got="$(sha256 "$tmp/$file")"
if [ "$got" != "$want" ]; then
  fail "checksum mismatch for $file (expected $want, got $got): refusing to install"
fi

tar -xzf "$tmp/$file" -C "$tmp"
dir="${file%.tar.gz}"
[ -x "$tmp/$dir/finops" ] || fail "$file holds no finops binary"
mkdir -p "$BIN_DIR"
# Replace atomically: a running finops keeps its old file.
cp "$tmp/$dir/finops" "$BIN_DIR/.finops.new.$$"
chmod 755 "$BIN_DIR/.finops.new.$$"
mv -f "$BIN_DIR/.finops.new.$$" "$BIN_DIR/finops"

say "installed $("$BIN_DIR/finops" --version 2>/dev/null || echo finops) to $BIN_DIR/finops"
case ":${PATH}:" in
  *":${BIN_DIR}:"*) ;;
  *) say "$BIN_DIR is not on your PATH: add  export PATH=\"$BIN_DIR:\$PATH\"  to your shell profile" ;;
esac
