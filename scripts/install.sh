#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu box: installs what is missing (Node >= 22, dependencies, build, a Docker
# engine where it can, the local base image), links `clawdeck` into ~/.local/bin, then brings up the console.
# Flags: --no-attach (start everything, don't open the TUI), --no-sandbox (daemon only, no container).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
attach=1
up_args=()
for a in "$@"; do
  case "$a" in
    --no-attach) attach=0 ;;
    --no-sandbox) up_args+=(--no-sandbox) ;;
    *) die "unknown flag $a (use --no-attach, --no-sandbox)" ;;
  esac
done
ensure_node
ensure_build
if [ ${#up_args[@]} -eq 0 ]; then
  ensure_docker || die "clawdeck needs a Docker engine for the sandbox (or rerun with --no-sandbox)"
  ensure_base_image
fi
mkdir -p "$HOME/.local/bin"
cat >"$HOME/.local/bin/clawdeck" <<WRAP
#!/bin/sh
exec "$(command -v node)" "$CLAWDECK_ROOT/dist/src/cli/main.js" "\$@"
WRAP
chmod +x "$HOME/.local/bin/clawdeck"
say "installed $HOME/.local/bin/clawdeck"
case ":$PATH:" in *":$HOME/.local/bin:"*) ;; *) say "add ~/.local/bin to PATH to run clawdeck from anywhere" ;; esac
"$HOME/.local/bin/clawdeck" up "${up_args[@]}"
if [ "$attach" = 1 ] && [ -t 1 ]; then
  exec "$HOME/.local/bin/clawdeck" attach
fi
"$HOME/.local/bin/clawdeck" status
