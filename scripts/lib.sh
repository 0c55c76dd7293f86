# Shared setup steps for scripts/install.sh, scripts/test.sh and .ci/run. Source it; each step is idempotent.
# shellcheck shell=bash

CLAWDECK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLAWDECK_TOOLS="${CLAWDECK_TOOLS:-$HOME/.cache/clawdeck/tools}"
NODE_MAJOR_MIN=22
NODE_PKG="node@24"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# A supported Node on PATH: the system one if new enough, else Node 24 from the npm registry (no root needed).
ensure_node() {
  if [ -x "$CLAWDECK_TOOLS/node/node_modules/.bin/node" ]; then
    export PATH="$CLAWDECK_TOOLS/node/node_modules/.bin:$PATH"
  fi
  if [ "$(node_major)" -ge "$NODE_MAJOR_MIN" ]; then return; fi
  command -v npm >/dev/null || {
    if is_root && command -v apt-get >/dev/null; then
      say "installing npm from Debian to bootstrap Node"
      apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
    else
      die "npm is missing: install Node.js (any version) with npm, then rerun"
    fi
  }
  say "system Node is $(node --version 2>/dev/null || echo missing); installing $NODE_PKG into $CLAWDECK_TOOLS/node"
  mkdir -p "$CLAWDECK_TOOLS/node"
  npm install --silent --no-audit --no-fund --prefix "$CLAWDECK_TOOLS/node" "$NODE_PKG" >/dev/null
  export PATH="$CLAWDECK_TOOLS/node/node_modules/.bin:$PATH"
  [ "$(node_major)" -ge "$NODE_MAJOR_MIN" ] || die "could not install a Node >= $NODE_MAJOR_MIN"
}

# Dependencies and the dist/ build.
ensure_build() {
  cd "$CLAWDECK_ROOT"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing dependencies"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  say "building"
  npm run --silent build
}

docker_ok() { timeout 10 docker info >/dev/null 2>&1; }

# A reachable Docker engine: DOCKER_HOST or the default socket; as root, install and start docker.io if needed.
ensure_docker() {
  docker_ok && return 0
  if ! is_root || ! command -v apt-get >/dev/null; then
    cat >&2 <<MSG
No Docker engine is reachable (DOCKER_HOST=${DOCKER_HOST:-unset}).
  Debian/Ubuntu:  sudo apt-get install -y docker.io && sudo systemctl start docker && sudo usermod -aG docker \$USER
  Podman:         systemctl --user start podman.socket && export DOCKER_HOST=unix://\$XDG_RUNTIME_DIR/podman/podman.sock
MSG
    return 1
  fi
  if ! command -v dockerd >/dev/null; then
    say "installing docker.io"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl start docker || true
  fi
  if ! docker_ok; then
    say "starting dockerd in the background (log: /var/log/clawdeck-dockerd.log)"
    nohup dockerd >/var/log/clawdeck-dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do docker_ok && return 0; sleep 1; done
  die "dockerd did not become ready; see /var/log/clawdeck-dockerd.log"
}

# Debian packages some tests drive (tmux for terminal end-to-end tests).
ensure_test_tools() {
  local missing=()
  command -v tmux >/dev/null || missing+=(tmux)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return 0
  is_root || die "missing ${missing[*]}: sudo apt-get install -y ${missing[*]}"
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The locally built base image (no registry needed), when the blueprint's base image is not present.
ensure_base_image() {
  if [ -x "$CLAWDECK_ROOT/scripts/build-base-image.sh" ]; then
    "$CLAWDECK_ROOT/scripts/build-base-image.sh"
  fi
}
