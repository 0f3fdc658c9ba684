# Shared by the quick-start scripts (sourced, not run): installs what a fresh clone needs.
# pnpm comes from npx when it is not on PATH (corepack on some machines cannot verify pnpm's signature).

PNPM_VERSION=10.34.8

pnpm_cmd() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    pnpm "$@"
  else
    npx -y "pnpm@$PNPM_VERSION" "$@"
  fi
}

install_dependencies() {
  # onnxruntime-node's install script would download CUDA libraries; its CPU binaries ship in the package.
  ONNXRUNTIME_NODE_INSTALL=skip pnpm_cmd install --frozen-lockfile
}

# The browser the tests drive: $CHROMIUM_PATH, else the system Chromium, installed with apt-get when
# missing and we are root. Playwright's own browser downloads do not work offline.
ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then return 0; fi
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [ -x "$candidate" ]; then export CHROMIUM_PATH="$candidate"; return 0; fi
  done
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium with apt-get (the browser tests need it)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    export CHROMIUM_PATH=/usr/bin/chromium
    return 0
  fi
  echo "No Chromium found. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH." >&2
  return 1
}

# Firefox for the Firefox tests: $FIREFOX_PATH, else Debian's firefox-esr (installed with apt-get when missing
# and we are root), driven over WebDriver BiDi by puppeteer-core.
ensure_firefox() {
  if [ -n "${FIREFOX_PATH:-}" ]; then return 0; fi
  for candidate in /usr/bin/firefox-esr /usr/bin/firefox; do
    if [ -x "$candidate" ]; then export FIREFOX_PATH="$candidate"; return 0; fi
  done
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Firefox ESR with apt-get (the Firefox tests need it)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null
    export FIREFOX_PATH=/usr/bin/firefox-esr
    return 0
  fi
  echo "No Firefox found. Install it (Debian: sudo apt-get install firefox-esr) or set FIREFOX_PATH." >&2
  return 1
}

build_models() {
  pnpm_cmd --filter @inpage/engine make-models "$@"
}
