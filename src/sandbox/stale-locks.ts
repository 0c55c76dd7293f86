// A gateway killed before it shut down (SIGKILL after the stop grace, OOM, a host crash) leaves its lock files
// in $OPENCLAW_STATE_DIR/tmp/openclaw-<uid>/ and its "gateway-owner" lease row in state/openclaw.sqlite. Both live
// on the persistent /sandbox volume, and OpenClaw reclaims them only when it can prove the recorded owner dead
// (same hostname, pid gone or started at another time); otherwise the next gateway refuses to start for up to
// the lease's 5-minute TTL. Each container is the only user of its volume and starts after the old one was removed,
// so any such lock seen before the gateway starts is stale. Only these locks are removed, never other state.

// Deletes the gateway-owner lease row (node:sqlite; no-op when the database or table does not exist yet).
const CLEAR_LEASE_JS = [
  "const f=process.env.OPENCLAW_STATE_DIR+'/state/openclaw.sqlite';",
  "if(require('fs').existsSync(f)){",
  "const d=new (require('node:sqlite').DatabaseSync)(f);",
  "try{d.prepare(\"DELETE FROM state_leases WHERE scope='gateway-owner' AND lease_key='global'\").run()}catch(e){if(!/no such table/.test(e.message))throw e}",
  'finally{d.close()}}',
].join('');

// The shell step the launcher runs (inside Landlock, as the agent user) before it execs the gateway.
export const CLEAR_STALE_LOCKS_SH = [
  'set -e',
  'S="${OPENCLAW_STATE_DIR:?}"',
  // gateway.<hash>.lock and gateway.state.lock (not the empty *.lock.sqlite coordinator files OpenClaw reuses).
  'rm -f "$S"/tmp/openclaw-*/gateway.*lock',
  // A state no gateway has run on (a new volume: the image's template, state-template.mjs, has a database but no
  // lease) has no lock dir either: skip starting Node for nothing (it sits on the way to a ready gateway).
  `[ ! -d "$S/tmp" ] || [ ! -f "$S/state/openclaw.sqlite" ] || node --no-warnings -e "${CLEAR_LEASE_JS.replace(/"/g, '\\"')}"`,
].join('\n');

// The container command: clear the stale locks, then exec the gateway (same argv OpenClaw checks for its lock owner).
export const gatewayCmd = (): string[] => ['/bin/sh', '-c', `${CLEAR_STALE_LOCKS_SH}\nexec openclaw gateway run`];
