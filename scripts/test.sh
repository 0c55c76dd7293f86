#!/usr/bin/env bash
# Runs every test: unit, component, integration (real Docker engine, real proxy) and tmux end-to-end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_node
ensure_test_tools
ensure_docker || [ -z "${CI:-}" ] || die "CI needs a Docker engine: Docker tests fail rather than skip"
cd "$CLAWDECK_ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
ensure_base_image
exec npm test
