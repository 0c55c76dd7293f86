import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { release } from 'node:os';
import { createServer } from 'node:net';
import type { Paths } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { socketAnswers } from '../daemon/lifecycle.js';
import { providerKeyPresent } from '../config/provider-key.js';
import { checkSandboxImages } from '../sandbox/doctor.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const MIN_NODE = 22;
const MIN_FREE_BYTES = 3 * 1024 ** 3;

// Landlock ABI by the kernel release that introduced it (used when securityfs is not mounted).
const landlockAbiByKernel: [number, number, number][] = [
  [6, 15, 7], [6, 12, 6], [6, 10, 5], [6, 7, 4], [6, 2, 3], [5, 19, 2], [5, 13, 1],
];

export const checkNode = (): Check => {
  const major = Number(process.versions.node.split('.')[0]);
  return {
    name: 'node',
    ok: major >= MIN_NODE,
    detail: major >= MIN_NODE ? `Node ${process.versions.node}` : `Node ${process.versions.node} is too old; need >= ${MIN_NODE} (scripts/install.sh installs one)`,
  };
};

export const checkDocker = async (): Promise<Check> => {
  const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  // Loaded here, not with the CLI: only doctor (and up/down of a sandbox) talk to Docker.
  const { default: Docker } = await import('dockerode');
  try {
    const docker = new Docker();
    const v = await Promise.race([
      docker.version(),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out after 5s')), 5000).unref()),
    ]);
    return { name: 'docker', ok: true, detail: `engine ${v.Version} (API ${v.ApiVersion}) at ${where}` };
  } catch (e) {
    return {
      name: 'docker',
      ok: false,
      detail: `no Docker engine at ${where}: ${(e as Error).message}. Install and start one (apt-get install docker.io && dockerd &), or set DOCKER_HOST (a Podman socket works)`,
    };
  }
};

export const checkLandlock = (): Check => {
  const lsm = (() => {
    try {
      return readFileSync('/sys/kernel/security/lsm', 'utf8');
    } catch {
      return undefined;
    }
  })();
  if (lsm !== undefined && !lsm.split(',').includes('landlock')) {
    return { name: 'landlock', ok: false, detail: `landlock is not in the active LSMs (${lsm.trim()}); add lsm=...,landlock to the kernel command line` };
  }
  const [maj = 0, min = 0] = release().split('.').map((n) => parseInt(n, 10));
  const abi = landlockAbiByKernel.find(([a, b]) => maj > a || (maj === a && min >= b))?.[2] ?? 0;
  return {
    name: 'landlock',
    ok: abi > 0,
    detail: `${lsm ? 'active LSM' : 'securityfs not mounted'}; kernel ${release()} supports ABI ${abi || 'none'} (the sandbox probe proves what is enforced)`,
  };
};

export const checkSeccomp = (): Check => {
  const st = readFileSync('/proc/self/status', 'utf8');
  const ok = /^Seccomp:\s*\d/m.test(st);
  return { name: 'seccomp', ok, detail: ok ? 'kernel supports seccomp filters' : 'kernel has no seccomp support (CONFIG_SECCOMP_FILTER)' };
};

export const checkDisk = (paths: Paths): Check => {
  const dir = existsSync(paths.stateDir) ? paths.stateDir : '/';
  const s = statfsSync(dir);
  const free = s.bavail * s.bsize;
  const gib = (free / 1024 ** 3).toFixed(1);
  return { name: 'disk', ok: free >= MIN_FREE_BYTES, detail: `${gib} GiB free at ${dir} (the sandbox image needs ~1.5 GiB)` };
};

export const checkProviderKey = (config: Config, env: NodeJS.ProcessEnv = process.env): Check => {
  const name = config.inference.default_provider;
  const p = config.inference.providers[name];
  if (!p) return { name: 'provider-key', ok: false, detail: `default provider "${name}" is not configured` };
  const found = providerKeyPresent(p, env);
  return {
    name: 'provider-key',
    ok: found !== null,
    detail: found ? `key for "${name}" found in ${found}` : `no key for "${name}": set ${p.key_env ?? 'key_env'} or key_file in config.yaml`,
  };
};

const portFree = (host: string, port: number): Promise<string | null> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.listen(port, host, () => s.close(() => resolve(null)));
  });

// The configured proxy port must be free unless our own daemon holds it; a stale socket is reported.
export const checkConflicts = async (paths: Paths, config: Config): Promise<Check> => {
  if (await socketAnswers(paths.socket)) return { name: 'conflicts', ok: true, detail: `daemon running on ${paths.socket}` };
  const problems: string[] = [];
  if (existsSync(paths.socket)) problems.push(`stale socket ${paths.socket} (clawdeck up removes it)`);
  const m = /^(.*):(\d+)$/.exec(config.proxy.listen);
  if (m && m[2] !== '0') {
    const err = await portFree(m[1]!.replace(/^\[|\]$/g, ''), Number(m[2]));
    if (err) problems.push(`proxy port ${config.proxy.listen} is taken (${err}); set proxy.listen in config.yaml`);
  }
  return { name: 'conflicts', ok: problems.length === 0, detail: problems.join('; ') || 'socket and ports free' };
};

// All host checks, in the order doctor prints them.
export const runChecks = async (paths: Paths, config: Config): Promise<Check[]> => [
  checkNode(),
  await checkDocker(),
  checkLandlock(),
  checkSeccomp(),
  checkDisk(paths),
  ...(await checkSandboxImages(config)),
  checkProviderKey(config),
  await checkConflicts(paths, config),
];
