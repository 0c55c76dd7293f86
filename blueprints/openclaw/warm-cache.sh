#!/bin/sh
# Image build step (as the sandbox user): boot the OpenClaw gateway once with the sandbox's own environment,
# config and paths, then stop it cleanly so Node writes its V8 code cache into NODE_COMPILE_CACHE
# (/opt/clawdeck/...). At run time that directory is read-only (read-only root, Landlock) and every start, the
# first one included, skips most compiling: about a third of the gateway's boot CPU.
# The boot's state is then cut down to a template (state-template.mjs: schema, migration checkpoints, plugin
# index; no key, identity or lease) left in /sandbox/.openclaw: Docker copies it into each new /sandbox volume, so
# a first start skips OpenClaw's one-time state setup (~2.5 CPU-s). Nothing else of the boot reaches a layer.
# Fails the build when the gateway does not come up: no sandbox could run.
set -eu
DIR=$(dirname "$0")
set -a
. "$DIR/env"
set +a
: "${NODE_COMPILE_CACHE:?the sandbox env names the compile cache dir}"
# The sandbox's own paths (the Dockerfile put the default config where the mount goes): OpenClaw's migration
# checkpoints hold paths, and the template must match the sandbox that starts from it.
STATE=/sandbox/.openclaw
LOG=$(mktemp /tmp/warm-gateway.XXXXXX)
TEMPLATE=$(mktemp -d /tmp/warm-template.XXXXXX)
export OPENCLAW_STATE_DIR="$STATE" OPENCLAW_CONFIG_PATH=/etc/clawdeck/openclaw.json
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
node "$DIR/state-template.mjs" "$STATE" "$TEMPLATE/.openclaw"
rm -f "$LOG"
find /sandbox -mindepth 1 -maxdepth 1 -user "$(id -u)" -exec rm -rf {} +
mv "$TEMPLATE/.openclaw" /sandbox/.openclaw
chmod 700 /sandbox/.openclaw
find /tmp -mindepth 1 -maxdepth 1 -user "$(id -u)" -exec rm -rf {} +
test -n "$(find "$NODE_COMPILE_CACHE" -type f | head -n 1)"
chmod -R a-w "$NODE_COMPILE_CACHE"
echo "warm-cache: gateway ready in $(($(date +%s) - start))s; code cache $(du -sh "$NODE_COMPILE_CACHE" | cut -f1)"
