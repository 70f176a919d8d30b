#!/usr/bin/env bash
# Installs what Qiantang needs on Debian 12, and only what is missing.
# Idempotent, and quiet when everything is present.
#
#   scripts/install-deps.sh          build and run: compiler, libraries, console packages
#   scripts/install-deps.sh --test   also what the tests need: PostgreSQL, Chromium and a CJK font
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config git
  libsqlite3-dev libsodium-dev libssl-dev zlib1g-dev libbrotli-dev
  libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libpq-dev libcsv-dev libicu-dev libqrencode-dev libpng-dev libcbor-dev libzxing-dev libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang-format postgresql chromium fonts-wqy-microhei slurmctld slurmd slurm-client munge
             clang-14 libclang-rt-14-dev   # clang-14 and its libFuzzer: scripts/fuzz.sh
             python3-jsonschema            # an independent validator of DSP messages
             openssl)                      # self-signed certificates of the TLS tests
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if (( ${#missing[@]} )); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Console packages from npm (package-lock.json pins them), copied into web/vendor.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The console has no import map (its Content-Security-Policy allows no inline script, and an
# import map can only be inline), so modules import each other by path: hooks' bare "preact"
# becomes the file beside it.
mkdir -p web/vendor
# ECharts (the dashboard's charts) is one self-contained ES module.
for f in node_modules/preact/dist/preact.module.js node_modules/preact/hooks/dist/hooks.module.js \
         node_modules/htm/dist/htm.module.js node_modules/echarts/dist/echarts.esm.min.js; do
  out="web/vendor/$(basename "$f")"
  sed 's#from"preact"#from"./preact.module.js"#g' "$f" >"$out.new"
  if grep -q 'from"preact' "$out.new"; then echo "install-deps: bare import left in $out" >&2; exit 1; fi
  if cmp -s "$out.new" "$out"; then rm "$out.new"; else mv "$out.new" "$out"; fi
done
# libsodium.js (ristretto255 for the PSI client, web/psi_client.js): its ES module build, the
# library as WebAssembly carried inside the module (the console's CSP allows WebAssembly to
# compile, 'wasm-unsafe-eval', and nothing else); the wrappers import it by a relative path.
cp node_modules/libsodium-sumo/dist/modules-sumo-esm/libsodium-sumo.mjs web/vendor/libsodium-sumo.js.new
sed 's#from"libsodium-sumo"#from"./libsodium-sumo.js"#' \
  node_modules/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs >web/vendor/libsodium-wrappers.js.new
if ! grep -q 'WebAssembly.instantiate' web/vendor/libsodium-sumo.js.new || grep -q 'from"libsodium' web/vendor/libsodium-wrappers.js.new; then
  echo "install-deps: libsodium.js is not shaped as expected" >&2; exit 1
fi
for out in web/vendor/libsodium-sumo.js web/vendor/libsodium-wrappers.js; do
  if cmp -s "$out.new" "$out"; then rm "$out.new"; else mv "$out.new" "$out"; fi
done
