import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { SANDBOX_MOUNT, type Paths } from '../config/paths.js';
import { parseSize, type Blueprint } from './blueprint.js';
import { GATEWAY_PORT, INFERENCE_PORT } from './openclaw-config.js';
import { sandboxConfigDir, sandboxNames } from './state.js';
import { sandboxTrustEnv } from '../egress/sandbox-trust.js';
import { gatewayCmd } from './stale-locks.js';
import { relayToken } from '../egress/peer-socket.js';

// seccomp/clawdeck.json, next to blueprints/ (see seccomp/README.md for every denied call).
export const seccompProfile = (blueprintDir: string): string =>
  JSON.stringify(JSON.parse(readFileSync(join(blueprintDir, '..', '..', 'seccomp', 'clawdeck.json'), 'utf8')));

export const CONFIG_MOUNT = '/etc/clawdeck';
const PROXY = 'http://127.0.0.1:3128';

// Whether a blueprint ships fast-resolve.mjs (its Dockerfile puts it at /opt/clawdeck): a custom blueprint made
// from an older copy of ours does not, and its Node must not be told to preload a file that is not there.
export const hasFastResolve = (blueprintDir: string): boolean => existsSync(join(blueprintDir, 'fast-resolve.mjs'));

// Everything the agent's environment holds: the proxy, inference.local, the gateway token. No provider key.
export const sandboxEnv = (token: string, opts: { fastResolve: boolean }): string[] => [
  'HOME=/sandbox',
  `OPENCLAW_CONFIG_PATH=${CONFIG_MOUNT}/openclaw.json`,
  'OPENCLAW_CONFIG_READONLY=1',
  'OPENCLAW_OFFLINE=1',
  'OPENCLAW_DISABLE_BONJOUR=1',
  'OPENCLAW_NO_RESPAWN=1',
  'OPENCLAW_SKIP_CHANNELS=1',
  // State next to the agent's files (the default is beside the read-only config).
  'OPENCLAW_STATE_DIR=/sandbox/.openclaw',
  // V8 code cache baked into the image (its build boots the gateway once: warm-cache.sh; read-only here), so
  // every start, the first one on a new volume included, skips most compiling.
  'NODE_COMPILE_CACHE=/opt/clawdeck/node-compile-cache',
  // With NODE_COMPILE_CACHE set, OpenClaw's launcher re-executes itself (a second Node process) only to move the
  // cache into a per-version subdirectory; this is its own marker for "already done", so one process boots.
  'OPENCLAW_PACKAGED_COMPILE_CACHE_RESPAWNED=1',
  // A larger young generation (V8 grows it only when needed): ~6% less boot CPU in the gateway's scavenges.
  // The image's warm-up boots with this same env (build-context.ts): a V8 flag that changes the code cache's key
  // needs a blueprint_version bump, or the cached image's code cache is silently skipped.
  // fast-resolve.mjs (blueprint): OpenClaw's relative imports resolved without a stat and realpath each.
  `NODE_OPTIONS=--max-semi-space-size=64${opts.fastResolve ? ' --import=/opt/clawdeck/fast-resolve.mjs' : ''}`,
  `OPENCLAW_GATEWAY_TOKEN=${token}`,
  `HTTP_PROXY=${PROXY}`,
  `HTTPS_PROXY=${PROXY}`,
  `http_proxy=${PROXY}`,
  `https_proxy=${PROXY}`,
  'NO_PROXY=inference.local,localhost,127.0.0.1',
  'no_proxy=inference.local,localhost,127.0.0.1',
  // Node's built-in fetch honors the proxy variables only with this.
  'NODE_USE_ENV_PROXY=1',
  `CLAWDECK_INFERENCE_PORT=${INFERENCE_PORT}`,
  `CLAWDECK_GATEWAY_PORT=${GATEWAY_PORT}`,
  // L7 egress (issue 9, added by the egress L7 engineer): trust the per-sandbox CA of the inspecting proxy.
  // The files (public certs only, written by startEgress into the /etc/clawdeck mount) — see src/egress/sandbox-trust.ts.
  ...sandboxTrustEnv(CONFIG_MOUNT),
];

// The hardened container: no network, read-only root, no caps, seccomp, limits, only the listed mounts.
export const containerSpec = (paths: Paths, bp: Blueprint, image: string, token: string): Docker.ContainerCreateOptions => {
  const { container, volume, homeId } = sandboxNames(paths);
  return {
    name: container,
    Image: image,
    User: '1000:1000',
    WorkingDir: '/sandbox',
    // The relay's binaries[] token: the launcher keeps it out of the agent's environment (docs/security.md).
    Env: [...sandboxEnv(token, { fastResolve: hasFastResolve(bp.dir) }), `CLAWDECK_RELAY_TOKEN=${relayToken(paths.stateDir)}`],
    // The image's launcher ENTRYPOINT runs this: clear the last gateway's stale lock files and lease, then the gateway.
    Cmd: gatewayCmd(),
    // Stable across containers: OpenClaw records its hostname in its locks and only reclaims same-host dead owners.
    Hostname: container,
    Labels: { 'org.clawdeck.home': paths.stateDir, 'org.clawdeck.home-id': homeId },
    HostConfig: {
      NetworkMode: 'none',
      ExtraHosts: ['inference.local:127.0.0.1'],
      // The relay listens on inference.local's port 80 as uid 1000 (this netns only; nothing else listens).
      Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=512m,mode=1777' },
      Binds: [`${paths.sandboxDir}:${SANDBOX_MOUNT}`, `${sandboxConfigDir(paths)}:${CONFIG_MOUNT}:ro`],
      Mounts: [{ Type: 'volume', Source: volume, Target: '/sandbox' }],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges', `seccomp=${seccompProfile(bp.dir)}`],
      PidsLimit: bp.resources.pids,
      Memory: parseSize(bp.resources.memory),
      MemorySwap: parseSize(bp.resources.memory),
      NanoCpus: Math.round(bp.resources.cpus * 1e9),
      RestartPolicy: { Name: 'no' },
      Init: false,
    },
  };
};

const ignore404 = (e: unknown): void => {
  const code = (e as { statusCode?: number }).statusCode;
  if (code !== 404 && code !== 304) throw e;
};

// SIGTERM, then this long before SIGKILL: the gateway needs a few seconds (more on a busy host) to release its locks.
export const STOP_GRACE_S = 20;

// Stops and removes this home's container (if any); the /sandbox volume stays.
export const removeContainer = async (docker: Docker, paths: Paths): Promise<void> => {
  const c = docker.getContainer(sandboxNames(paths).container);
  await c.stop({ t: STOP_GRACE_S }).catch(ignore404);
  await c.remove({ force: true }).catch(ignore404);
};

// `down --purge`: the container and the /sandbox volume.
export const purgeSandbox = async (docker: Docker, paths: Paths): Promise<void> => {
  await removeContainer(docker, paths);
  await docker.getVolume(sandboxNames(paths).volume).remove().catch(ignore404);
};

// Starts a fresh container (an old one is replaced: its config may be stale); returns its id.
export const startContainer = async (docker: Docker, spec: Docker.ContainerCreateOptions, paths: Paths): Promise<string> => {
  await removeContainer(docker, paths);
  const c = await docker.createContainer(spec);
  await c.start();
  return c.id;
};

// Runs a command in the container as the agent user; returns exit code and output.
export const execIn = async (
  docker: Docker,
  containerId: string,
  cmd: string[],
  user = '1000:1000',
): Promise<{ code: number; stdout: string; stderr: string }> => {
  const c = docker.getContainer(containerId);
  const ex = await c.exec({ Cmd: cmd, User: user, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const { Writable } = await import('node:stream');
  const sink = (arr: Buffer[]) => new Writable({ write: (chunk: Buffer, _e, cb) => (arr.push(chunk), cb()) });
  docker.modem.demuxStream(stream, sink(out), sink(err));
  await new Promise<void>((r) => {
    stream.on('end', r);
    stream.on('close', r);
  });
  const info = await ex.inspect();
  return { code: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
};
