#!/usr/bin/env bash
# Install what tsnix needs on a fresh Debian machine (run as root, or with the Debian
# packages already present), then build every package. `--test` also installs the
# packages the test suite uses (real Nix as the oracle). Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    *) echo "bootstrap.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

export COREPACK_INTEGRITY_KEYS=0 TURBO_TELEMETRY_DISABLED=1
# node-gyp (better-sqlite3, zstd-napi) must use the installed Node headers: no download here.
if [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi

# Debian packages: bubblewrap + a static busybox for the build sandbox; nix-bin only as the
# test oracle (never used at run time).
debs=(bubblewrap busybox-static)
if [ "$with_tests" = 1 ]; then debs+=(nix-bin jq sqlite3 zstd); fi
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bootstrap.sh: please install the Debian packages: ${missing[*]} (needs root)" >&2
  fi
fi

# pnpm, pinned by package.json's packageManager, through corepack; turbo needs it on PATH.
pnpm_bin="${TMPDIR:-/tmp}/tsnix-pnpm-bin"
mkdir -p "$pnpm_bin"
corepack enable --install-directory "$pnpm_bin" pnpm
export PATH="$pnpm_bin:$PATH"

pnpm install --frozen-lockfile --reporter=append-only | grep -v '^Progress' || true
test -d node_modules/.pnpm || { echo "bootstrap.sh: pnpm install failed" >&2; exit 1; }

# The Rust addon is an accelerator: build it when cargo is there, never require it.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
if command -v cargo >/dev/null 2>&1 && [ -f native/Cargo.toml ]; then
  pnpm --filter @tsnix/native run build:native
else
  echo "bootstrap.sh: cargo not found; using the pure-TypeScript implementations" >&2
fi

pnpm exec turbo run build --output-logs=errors-only
