#!/bin/sh
# Image build step (as the sandbox user): boot the OpenClaw gateway once with the sandbox's own environment and
# config, then stop it cleanly so Node writes its V8 code cache into NODE_COMPILE_CACHE (/opt/clawdeck/...).
# At run time that directory is read-only (read-only root, Landlock) and every start, the first one included,
# skips most compiling: about a third of the gateway's boot CPU. Only the cache is kept: the gateway's throwaway
# state (its keys, device identity, logs) lives in a temp dir that this same step deletes, so it never reaches
# a layer, and /sandbox stays empty. Fails the build when the gateway does not come up: no sandbox could run.
set -eu
DIR=$(dirname "$0")
set -a
. "$DIR/env"
set +a
: "${NODE_COMPILE_CACHE:?the sandbox env names the compile cache dir}"
STATE=$(mktemp -d /tmp/warm-state.XXXXXX)
LOG=$(mktemp /tmp/warm-gateway.XXXXXX)
export OPENCLAW_STATE_DIR="$STATE" OPENCLAW_CONFIG_PATH="$DIR/openclaw.json"
OPENCLAW_GATEWAY_TOKEN=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export OPENCLAW_GATEWAY_TOKEN
start=$(date +%s)
openclaw gateway run >"$LOG" 2>&1 &
pid=$!
until grep -q '\[gateway\] ready' "$LOG"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "warm-cache: the gateway exited before it was ready:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  if [ $(($(date +%s) - start)) -gt 900 ]; then
    echo "warm-cache: the gateway was not ready after 900s:" >&2
    tail -n 20 "$LOG" >&2
    kill -9 "$pid"
    exit 1
  fi
  sleep 0.5
done
# SIGTERM: the gateway shuts down and exits normally, which is when Node writes the cache.
kill -TERM "$pid"
wait "$pid" || true
rm -rf "$STATE" "$LOG"
find /tmp /sandbox -mindepth 1 -maxdepth 1 -user "$(id -u)" -exec rm -rf {} +
test -n "$(find "$NODE_COMPILE_CACHE" -type f | head -n 1)"
chmod -R a-w "$NODE_COMPILE_CACHE"
echo "warm-cache: gateway ready in $(($(date +%s) - start))s; code cache $(du -sh "$NODE_COMPILE_CACHE" | cut -f1)"
