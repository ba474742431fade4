# Shared set-up for scripts/serve and scripts/test: installs what is missing, skips what
# is present, and never downloads from anywhere but crates.io, npm and Debian.
# Sourced, not run.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/.tools/npm/node_modules/.bin:$PATH"
# Full debug info makes target/ huge; Trunk must not phone home for a version check.
export CARGO_PROFILE_DEV_DEBUG=0 TRUNK_SKIP_VERSION_CHECK=true
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

TRUNK_VERSION=0.22.1
BINARYEN_VERSION=132.0.0

say() { printf '\n==> %s\n' "$*"; }

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    say "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

wasm_bindgen_version() {
    # the CLI must equal the wasm-bindgen crate in Cargo.lock
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_build_tools() {
    say "checking the Rust toolchain and the wasm32 target"
    command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
    # zstd's C code is compiled for wasm32 by clang; npm provides wasm-opt
    command -v clang >/dev/null || apt_install clang
    command -v npm >/dev/null || apt_install nodejs npm

    if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
        say "installing trunk $TRUNK_VERSION (about 10 minutes on 2 cores)"
        cargo install --locked trunk --version "$TRUNK_VERSION" --ignore-rust-version
    fi
    local wb
    wb="$(wasm_bindgen_version)"
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$\| $wb "; then
        say "installing wasm-bindgen-cli $wb (about 3 minutes)"
        # not --locked: its lock file wants a crate version the registry no longer has
        cargo install wasm-bindgen-cli --version "=$wb"
    fi
    if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
        say "installing wasm-opt from npm binaryen $BINARYEN_VERSION into .tools/"
        npm install --silent --no-audit --no-fund --prefix "$ROOT/.tools/npm" "binaryen@$BINARYEN_VERSION" >/dev/null
    fi
    echo "trunk: $(trunk --version)"
    echo "wasm-bindgen: $(wasm-bindgen --version)"
    echo "wasm-opt: $(wasm-opt --version)"
}

setup_browser() {
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        apt_install chromium chromium-driver
    fi
    echo "chromium: $(chromium --version 2>/dev/null | head -1)"
}

# Generate the embedded sample when absent or when the generator has changed.
ensure_sample() {
    local stamp
    stamp="$(cat Cargo.lock tools/gzv-sample/Cargo.toml tools/gzv-sample/src/*.rs | sha256sum | cut -c1-16)"
    if [ -f sample/index.json ] && [ "$(cat sample/.generator 2>/dev/null)" = "$stamp" ]; then
        say "sample dataset is up to date (sample/)"
        return 0
    fi
    say "generating the sample dataset into sample/ (about a minute)"
    rm -rf sample
    cargo run --quiet -p gzv-sample -- --out sample
    echo "$stamp" > sample/.generator
}

build_app() {
    say "building the app (release, wasm-opt -Oz) into dist/"
    trunk build --release
    local wasm
    wasm="$(ls dist/*.wasm)"
    echo "wasm: $(stat -c %s "$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzip"
}
