#!/usr/bin/env bash
# Builds clawdeck's local Debian base image with debootstrap, for machines where no container registry is reachable.
# Idempotent: does nothing when the image exists (FORCE=1 rebuilds); the rootfs tarball is cached.
#   CLAWDECK_BASE_IMAGE  image tag            (default clawdeck/base:bookworm)
#   DEBIAN_SUITE         Debian suite         (default bookworm)
#   DEBIAN_MIRROR        Debian mirror URL    (default http://deb.debian.org/debian)
#   CLAWDECK_CACHE       cache dir            (default ~/.cache/clawdeck)
set -euo pipefail

IMAGE="${CLAWDECK_BASE_IMAGE:-clawdeck/base:bookworm}"
SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE="${CLAWDECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clawdeck}"
TARBALL="$CACHE/rootfs-$SUITE-minbase.tar"

log() { printf '[build-base-image] %s\n' "$*" >&2; }

if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE already present (FORCE=1 rebuilds)"
  exit 0
fi

if [ ! -s "$TARBALL" ] || [ "${FORCE:-0}" = 1 ]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    if [ "$(id -u)" = 0 ]; then apt-get install -y debootstrap; else sudo apt-get install -y debootstrap; fi
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  mkdir -p "$CACHE"
  ROOT="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap '$SUDO rm -rf "$ROOT"' EXIT
  log "debootstrap --variant=minbase $SUITE from $MIRROR"
  $SUDO debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR"
  # Smaller image: no apt lists or caches (apt-get update restores them when needed).
  $SUDO rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb
  $SUDO tar -C "$ROOT" --numeric-owner -cf "$TARBALL.tmp" .
  $SUDO chown "$(id -u):$(id -g)" "$TARBALL.tmp"
  mv "$TARBALL.tmp" "$TARBALL"
else
  log "using cached rootfs $TARBALL"
fi

log "docker import -> $IMAGE"
docker import --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$TARBALL" "$IMAGE" >/dev/null
log "done: $(docker image inspect -f '{{.Id}} {{.Size}}' "$IMAGE")"
