# Shared by scripts/run, scripts/test and .ci/run: install what a fresh Debian 12 machine lacks.
# Every step checks first, so on a machine that has everything these cost nothing.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# Debian packages the desktop app (Tauri 2 on WebKitGTK) needs to build and to run headless.
DESKTOP_APT_PACKAGES=(
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev
  libxdo-dev pkg-config xvfb xauth dbus-x11 webkit2gtk-driver
)

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1
  fi
}

ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_toolchain() {
  command -v cargo >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs)" >&2; exit 1; }
  command -v npm >/dev/null || { echo "Node.js 20 with npm is missing" >&2; exit 1; }
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
}

# Installs the UI's npm packages when the lockfile changed, then builds ui/dist (which the
# desktop app embeds).
build_ui() {
  local ui="$REPO_ROOT/ui"
  if [ ! -d "$ui/node_modules" ] || [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
    step "installing the UI's npm packages"
    (cd "$ui" && npm ci --no-audit --no-fund)
  fi
  step "building the UI"
  (cd "$ui" && npm run --silent build)
}

# WebDriver for the Tauri app (it drives /usr/bin/WebKitWebDriver from webkit2gtk-driver).
ensure_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  step "installing tauri-driver (about 2 minutes, once)"
  cargo install tauri-driver --version '^2' --locked
}

# schemathesis (PyPI) in a virtualenv of its own, outside the clone so CI runs reuse it.
SCHEMATHESIS_VERSION=4.32.0
REMIT_VENV=${REMIT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/remit/venv}
SCHEMATHESIS="$REMIT_VENV/bin/schemathesis"
ensure_schemathesis() {
  if [ -x "$SCHEMATHESIS" ] && "$SCHEMATHESIS" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return 0; fi
  step "installing schemathesis $SCHEMATHESIS_VERSION into $REMIT_VENV"
  python3 -m venv "$REMIT_VENV"
  "$REMIT_VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

has_display() { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }
