import { createServer, type Server } from 'node:net';
import type Docker from 'dockerode';
import type { Enforcement } from '../protocol/status.js';
import { CONFIG_MOUNT, execIn } from './container.js';

// What `launcher --probe` prints (blueprints/openclaw/launcher/launcher.c, run_probe). Errno names or "OK".
export interface ProbeReport {
  uid: number;
  landlock: { state: string; abi: number; compat: string; detail: string; writes: Record<string, string> };
  rootfs: { read_only: boolean } & Record<string, string | boolean>;
  seccomp: { mode: number; denied: Record<string, string> };
  caps: { CapEff: number; CapPrm: number; NoNewPrivs: number };
  egress: Record<string, string>;
  proxy: string;
  inference: string;
}

export const LAYERS = ['landlock', 'seccomp', 'capabilities', 'no_new_privs', 'read_only_root', 'direct_egress', 'proxy', 'inference', 'provider_key'] as const;

// --no-sandbox: nothing is contained, so no layer applies.
export const notApplicable = (why: string): Enforcement[] => LAYERS.map((layer) => ({ layer, state: 'n/a', detail: why }));

// A TCP listener of our own on the host's docker bridge address: the probe must not reach it.
export const openEgressTarget = async (docker: Docker): Promise<{ server: Server; targets: string[]; hits: () => number }> => {
  let host = '0.0.0.0';
  try {
    const net = await docker.getNetwork('bridge').inspect();
    const gw = (net as { IPAM?: { Config?: { Gateway?: string }[] } }).IPAM?.Config?.[0]?.Gateway;
    if (gw) host = gw;
  } catch {
    // no default bridge: listen on every address, the probe still must not reach it
  }
  let hits = 0;
  const server = createServer((s) => {
    hits++;
    s.destroy();
  });
  await new Promise<void>((r, j) => {
    server.once('error', j);
    server.listen(0, host, () => r());
  });
  const port = (server.address() as { port: number }).port;
  const targets = [`${host === '0.0.0.0' ? '172.17.0.1' : host}:${port}`, `127.0.0.1:${port}`];
  return { server, targets, hits: () => hits };
};

// Runs the probe in the container as the agent user, under the same Landlock rules the launcher applied.
export const runProbe = async (docker: Docker, containerId: string, targets: string[]): Promise<ProbeReport> => {
  const r = await execIn(docker, containerId, [
    '/opt/clawdeck/launcher',
    '--rules',
    `${CONFIG_MOUNT}/landlock.rules`,
    '--probe',
    ...targets.flatMap((t) => ['--egress', t]),
  ]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ProbeReport;
  } catch {
    throw new Error(`the probe printed no report (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
};

// The environment of every process the agent user can see (for the key check), plus the container's env.
export const visibleEnv = async (docker: Docker, containerId: string): Promise<string> => {
  const r = await execIn(docker, containerId, ['/bin/sh', '-c', 'cat /proc/[0-9]*/environ 2>/dev/null; env']);
  const insp = await docker.getContainer(containerId).inspect();
  return r.stdout + '\n' + (insp.Config.Env ?? []).join('\n');
};

const failedCalls = (m: Record<string, string>): string[] => Object.entries(m).filter(([, v]) => v === 'OK').map(([k]) => k);

// Turns the probe's facts into status rows: proven only when the probe showed it, failed otherwise.
export const toEnforcement = (
  p: ProbeReport,
  o: { launcherLine: string | null; egressHits: number; keyCheck: { keys: number; leaked: string[]; scanned: string } },
): Enforcement[] => {
  const out: Enforcement[] = [];
  const w = p.landlock.writes;
  const llDenied = w['/run/clawdeck'] !== 'OK' && w['/dev/shm'] !== 'OK';
  const llAllowed = w['/sandbox'] === 'OK' && w['/tmp'] === 'OK';
  const launcherEnforced = o.launcherLine?.includes('"landlock":"enforced"') ?? false;
  out.push(
    p.landlock.state === 'enforced' && llDenied && llAllowed && launcherEnforced
      ? { layer: 'landlock', state: 'proven', detail: `${p.landlock.detail}; write to /run/clawdeck ${w['/run/clawdeck']}, /dev/shm ${w['/dev/shm']}; /sandbox, /tmp writable` }
      : {
          layer: 'landlock',
          state: 'failed',
          detail:
            p.landlock.state === 'enforced' && launcherEnforced
              ? `rules applied but writes outside rw paths: /run/clawdeck ${w['/run/clawdeck']}, /dev/shm ${w['/dev/shm']}`
              : `${p.landlock.state === 'enforced' ? 'launcher did not report enforcement' : `degraded (${p.landlock.compat})`}: ${p.landlock.detail || o.launcherLine || 'no report'}`,
        },
  );
  const allowed = failedCalls(p.seccomp.denied);
  out.push(
    p.seccomp.mode === 2 && allowed.length === 0
      ? { layer: 'seccomp', state: 'proven', detail: `mode 2 (filter); denied: ${Object.entries(p.seccomp.denied).map(([k, v]) => `${k} ${v}`).join(', ')}` }
      : { layer: 'seccomp', state: 'failed', detail: `mode ${p.seccomp.mode}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}` },
  );
  out.push(
    p.caps.CapEff === 0 && p.caps.CapPrm === 0
      ? { layer: 'capabilities', state: 'proven', detail: 'CapEff 0, CapPrm 0' }
      : { layer: 'capabilities', state: 'failed', detail: `CapEff ${p.caps.CapEff.toString(16)}, CapPrm ${p.caps.CapPrm.toString(16)}` },
  );
  out.push({ layer: 'no_new_privs', state: p.caps.NoNewPrivs === 1 ? 'proven' : 'failed', detail: `NoNewPrivs ${p.caps.NoNewPrivs}` });
  const rootWrites = (['/etc', '/usr', '/root'] as const).map((d) => `${d} ${String(p.rootfs[d])}`);
  const rootOk = p.rootfs.read_only && ['/etc', '/usr', '/root'].every((d) => p.rootfs[d] !== 'OK');
  out.push({ layer: 'read_only_root', state: rootOk ? 'proven' : 'failed', detail: `${p.rootfs.read_only ? 'mounted ro' : 'mounted rw'}; write ${rootWrites.join(', ')}` });
  const reached = Object.entries(p.egress).filter(([k, v]) => k !== 'dns' && v === 'OK').map(([k]) => k);
  const eg = Object.entries(p.egress).filter(([k]) => k !== 'dns').map(([k, v]) => `${k} ${v}`).join(', ');
  out.push(
    reached.length === 0 && o.egressHits === 0
      ? { layer: 'direct_egress', state: 'proven', detail: `blocked: ${eg} (host listener got no connection)` }
      : { layer: 'direct_egress', state: 'failed', detail: `reached ${reached.join(', ') || 'the host listener'}` },
  );
  const http = (s: string): boolean => /^HTTP\/1\.[01] \d{3}/.test(s);
  out.push({ layer: 'proxy', state: http(p.proxy) ? 'proven' : 'failed', detail: `127.0.0.1:3128 → egress.sock: ${p.proxy || 'no answer'}` });
  out.push({ layer: 'inference', state: http(p.inference) ? 'proven' : 'failed', detail: `inference.local → inference.sock: ${p.inference || 'no answer'}` });
  const k = o.keyCheck;
  out.push(
    k.keys === 0
      ? { layer: 'provider_key', state: 'n/a', detail: 'no provider key configured on the host' }
      : k.leaked.length
        ? { layer: 'provider_key', state: 'failed', detail: `key of ${k.leaked.join(', ')} visible in the sandbox` }
        : { layer: 'provider_key', state: 'proven', detail: `${k.keys} key(s) absent from ${k.scanned}` },
  );
  return out;
};
