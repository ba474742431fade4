# Shared set-up for scripts/serve and scripts/test: installs what is missing, skips what
# is present, and never downloads from anywhere but crates.io, npm and Debian.
# Sourced, not run.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/.tools/npm/node_modules/.bin:$PATH"
# Full debug info makes target/ huge (and slows every link).
export CARGO_PROFILE_DEV_DEBUG=0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

BINARYEN_VERSION=132.0.0

say() { printf '\n==> %s\n' "$*"; }

# Phase timing: `phase NAME` starts a phase (ending the one before); `phases` prints them.
PHASE_NAMES=()
PHASE_SECS=()
PHASE_NAME=""
PHASE_START=$SECONDS
phase() {
    if [ -n "$PHASE_NAME" ]; then
        PHASE_NAMES+=("$PHASE_NAME")
        PHASE_SECS+=($((SECONDS - PHASE_START)))
    fi
    PHASE_NAME="$1"
    PHASE_START=$SECONDS
    [ -z "$1" ] || say "$1"
}
phases() {
    phase ""
    printf '\n%-56s %8s\n' "phase" "time"
    local i total=0
    for i in "${!PHASE_NAMES[@]}"; do
        printf '%-56s %5dm%02ds\n' "${PHASE_NAMES[$i]}" $((PHASE_SECS[i] / 60)) $((PHASE_SECS[i] % 60))
        total=$((total + PHASE_SECS[i]))
    done
    printf '%-56s %5dm%02ds\n' "total" $((total / 60)) $((total % 60))
}

apt_install() {
    local missing=()
    for pkg in "$@"; do
        # installed, not merely known (a removed package keeps its config files)
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
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
    # only to print the modules' brotli sizes
    command -v brotli >/dev/null || apt_install brotli

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
    echo "wasm-bindgen: $(wasm-bindgen --version)"
    echo "wasm-opt: $(wasm-opt --version)"
}

setup_browser() {
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        apt_install chromium chromium-driver
    fi
    echo "chromium: $(chromium --version 2>/dev/null | head -1)"
}

# Generate the embedded sample when absent or when the generator has changed. The
# generator is built by `$SAMPLE_BUILD` (scripts/test sets it to nothing, having built it
# already with the tests' features: building it alone would build parquet again).
ensure_sample() {
    local stamp
    stamp="$(cat Cargo.lock tools/gzv-sample/Cargo.toml tools/gzv-sample/src/*.rs | sha256sum | cut -c1-16)"
    if [ -f sample/index.json ] && [ "$(cat sample/.generator 2>/dev/null)" = "$stamp" ]; then
        say "sample dataset is up to date (sample/)"
        return 0
    fi
    say "generating the sample dataset into sample/ (about a minute)"
    rm -rf sample
    ${SAMPLE_BUILD-cargo build --quiet -p gzv-sample --bin gzv-sample}
    ./target/debug/gzv-sample --out sample
    echo "$stamp" > sample/.generator
}

# Run a cargo command with clippy as the compiler of the workspace's own crates, warnings
# denied: lints cost nothing more than the build itself (dependencies are compiled once,
# for real, instead of once more in check mode by `cargo clippy`).
with_clippy() {
    RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" \
        CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}

# The wasm and its JavaScript glue, optimised, with the page, its CSS and the sample, in
# dist/: a static site. File names carry a hash of their content, so a host may cache
# them for ever and a new build is never mixed with an old one.
# One wasm module through wasm-bindgen and wasm-opt into dist/, named by the hash of
# its content: prints the JS glue's and the module's file names.
bind_module() {
    local bin="$1" out=target/app h js wasm
    wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$bin" \
        "target/wasm32-unknown-unknown/release/$bin.wasm" >&2
    # the features rustc emits for wasm32 today; wasm-opt must know them to keep them.
    # -ocimfs: a function with one caller is inlined only when small (wasm-opt's default
    # inlines it whatever its size, which merged the page's message reading into one 66 KB
    # function and the engine's footer decoding into one of 48 KB; the browser recompiles
    # a function that has run long enough whole, on a background thread, and those took
    # 140-290 ms of a core each while a dataset loaded: on 2 cores, time taken from the
    # page's thread). The modules' sizes barely change.
    wasm-opt -Oz -ocimfs=100 --enable-reference-types --enable-bulk-memory --enable-sign-ext \
        --enable-nontrapping-float-to-int --enable-multivalue --enable-mutable-globals \
        "$out/${bin}_bg.wasm" -o "$out/${bin}_bg.opt.wasm" >&2
    h() { sha256sum "$1" | cut -c1-16; }
    wasm="$bin-$(h "$out/${bin}_bg.opt.wasm")_bg.wasm"
    cp "$out/${bin}_bg.opt.wasm" "dist/$wasm"
    js="$bin-$(h "$out/$bin.js").js"
    cp "$out/$bin.js" "dist/$js"
    echo "$js $wasm"
}

# The page's module, the engine's (a Web Worker), their glue, the page, its CSS and the
# sample, in dist/: a static site. File names carry a hash of their content, so a host
# may cache them for ever and a new build is never mixed with an old one.
# `build_app lint` also lints the app's own code for wasm32 as it compiles.
build_app() {
    local cargo=(cargo)
    [ "${1:-}" != lint ] || cargo=(with_clippy cargo)
    "${cargo[@]}" build --release --target wasm32-unknown-unknown -p gz-viewer \
        --bin gz-viewer --bin gzv-worker
    rm -rf target/app dist
    mkdir -p target/app dist
    local page worker js wasm wjs wwasm css boot wboot h
    h() { sha256sum "$1" | cut -c1-16; }
    page="$(bind_module gz-viewer)"
    js="${page% *}" wasm="${page#* }"
    worker="$(bind_module gzv-worker)"
    wjs="${worker% *}" wwasm="${worker#* }"
    sed -e "s/{{WORKER_GLUE}}/$wjs/g" -e "s/{{WORKER_WASM}}/$wwasm/g" site/worker.js \
        > target/app/worker.js
    wboot="worker-$(h target/app/worker.js).js"
    cp target/app/worker.js "dist/$wboot"
    css="main-$(h site/main.css).css"
    cp site/main.css "dist/$css"
    sed -e "s/{{APP_JS}}/$js/g" -e "s/{{APP_WASM}}/$wasm/g" -e "s/{{WORKER_JS}}/$wboot/g" \
        site/boot.js > target/app/boot.js
    boot="boot-$(h target/app/boot.js).js"
    cp target/app/boot.js "dist/$boot"
    sed -e "s/{{APP_JS}}/$js/g" -e "s/{{APP_WASM}}/$wasm/g" -e "s/{{CSS}}/$css/g" \
        -e "s/{{BOOT_JS}}/$boot/g" site/index.html > dist/index.html
    cp site/favicon.svg dist/
    # the sample is large: hard links where the file system allows, else a copy
    cp -al sample dist/sample 2>/dev/null || cp -r sample dist/sample
    local f
    for f in "$wasm" "$wwasm"; do
        echo "wasm $f: $(stat -c %s "dist/$f") bytes raw, $(gzip -9 -c "dist/$f" | wc -c) gzip, $(brotli_size "dist/$f") brotli"
    done
}

# Brotli size of a file, when a brotli tool is at hand (python's or the CLI).
brotli_size() {
    if command -v brotli >/dev/null; then
        brotli -c -q 11 "$1" | wc -c
    elif python3 -c "import brotli" 2>/dev/null; then
        python3 -c "import brotli,sys; print(len(brotli.compress(open(sys.argv[1],'rb').read(), quality=11)))" "$1"
    else
        echo "?"
    fi
}
