import { isIP, Socket } from 'node:net';
import type { DaemonContext, Service } from '../daemon/context.js';
import type { PolicyEngine } from '../policy/engine-types.js';
import type { ApprovalItem } from '../protocol/approvals.js';
import { ClawdeckError } from '../protocol/errors.js';
import { approvalRegistry } from '../daemon/approval-registry.js';
import { AuditLog } from './audit-log.js';
import { HoldQueue } from './hold-queue.js';
import { ProxyCore } from './proxy-core.js';
import { createResolver, tcpDialer, type Dialer, type Resolver } from './resolver.js';
import { SandboxCa } from './sandbox-ca.js';
import { defaultUpstreamCa } from './inspect.js';
import { join } from 'node:path';
import { writeSandboxTrust } from './sandbox-trust.js';
import { sandboxConfigDir } from '../sandbox/state.js';
import { PEER_SOCKET, rotateRelayToken, servePeerSocket, syncAttributeFlag } from './peer-socket.js';
import type { Server as NetServer } from 'node:net';

// The running egress service: the proxy, its approval queue and audit log.
export interface EgressService extends Service {
  core: ProxyCore;
  queue: HoldQueue;
  listen: string;
  // The sandbox CA's public certificate (PEM): the sandbox adds it to the container's trust. The key never leaves the host.
  caCertFile: string;
}

// Where the per-sandbox CA lives (ca.key 0600, ca.crt): the daemon's state dir, never mounted into the container.
export const sandboxCaDir = (paths: { stateDir: string }): string => join(paths.stateDir, 'sandbox-ca');

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

// Parses proxy.listen and refuses anything but loopback: the sandbox reaches the proxy through its socket.
export const parseListen = (listen: string): { host: string; port: number } => {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  const host = m?.[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m?.[2]);
  if (!m || !host || !isLoopback(host) || port > 65535) {
    throw new ClawdeckError('PROXY_LISTEN_NOT_LOOPBACK', `proxy.listen "${listen}" is not a loopback address`, {
      hint: 'Use 127.0.0.1:<port> (the sandbox reaches the proxy through its Unix socket, not a network port).',
    });
  }
  return { host, port };
};

// Test hook (CLAWDECK_TEST_HOOKS=1 + CLAWDECK_TEST_DIAL_MAP="93.184.216.34:443=4711,…"): daemon-level tests reach
// "public" addresses named in the hosts file on loopback ports instead; anything else non-loopback is refused, never dialed.
export const testDialerFromEnv = (env: NodeJS.ProcessEnv = process.env): Dialer | undefined => {
  if (env.CLAWDECK_TEST_HOOKS !== '1' || !env.CLAWDECK_TEST_DIAL_MAP) return undefined;
  const map = new Map<string, number>();
  for (const pair of env.CLAWDECK_TEST_DIAL_MAP.split(',')) {
    const [from, to] = pair.split('=');
    if (from && to) map.set(from.trim(), Number(to));
  }
  return (ip, port, onread) => {
    const real = map.get(`${ip}:${port}`);
    if (real !== undefined) return tcpDialer('127.0.0.1', real, onread);
    if (isLoopback(ip)) return tcpDialer(ip, port, onread);
    const s = new Socket();
    process.nextTick(() => s.destroy(Object.assign(new Error(`test dial map has no entry for ${ip}:${port}`), { code: 'ETESTNODIAL' })));
    return s;
  };
};

// Starts the egress proxy on proxy.listen and the sandbox socket, and feeds its held items to the daemon's approval registry.
export const startEgress = async (
  ctx: DaemonContext,
  policy: PolicyEngine,
  deps: { resolver?: Resolver; dialer?: Dialer; upstreamCa?: string[] } = {},
): Promise<EgressService> => {
  const { config, paths } = ctx;
  const { host, port } = parseListen(config.proxy.listen);
  const ca = await SandboxCa.loadOrCreate(sandboxCaDir(paths));
  // The sandbox mounts sandboxConfigDir read-only at /etc/clawdeck: the public CA cert and a root bundle go there
  // (egress starts before the sandbox). The key stays in sandboxCaDir, which is never mounted.
  writeSandboxTrust(sandboxConfigDir(paths), ca.certPem);
  let upstreamCa: string[];
  try {
    upstreamCa = deps.upstreamCa ?? defaultUpstreamCa(config.sandbox.extra_ca_file);
  } catch (err) {
    throw new ClawdeckError('EXTRA_CA_UNREADABLE', `sandbox.extra_ca_file "${config.sandbox.extra_ca_file}" cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'Fix sandbox.extra_ca_file in config.yaml (a PEM bundle), or remove it.',
      cause: err,
    });
  }
  const audit = new AuditLog(paths.auditLog);
  // One queue for every kind (exec approvals too): the registry merges, publishes and dispatches decisions.
  const source = approvalRegistry(ctx).source('egress', (id, decision, by) => queue.decide(id, decision, by));
  const publish = (mine: ApprovalItem[]): void => source.publish(mine);
  const queue = new HoldQueue({
    holdTimeoutMs: config.proxy.hold_timeout,
    policy,
    onChange: publish,
    onNew: (item) => {
      ctx.server.broadcast('approval.new', item);
      ctx.log.info('egress held for approval', { id: item.id, host: item.host, port: item.port });
    },
    onResolved: (item, decision, by, released) => {
      ctx.server.broadcast('approval.resolved', { id: item.id, item, decision, by, released });
    },
  });
  const core = new ProxyCore({
    policy,
    queue,
    audit,
    resolver: deps.resolver ?? createResolver(paths.hostsFile),
    dialer: deps.dialer ?? testDialerFromEnv() ?? tcpDialer,
    maxHeaderBytes: config.proxy.max_header_bytes,
    headerTimeoutMs: config.proxy.header_timeout,
    idleTimeoutMs: config.proxy.idle_timeout,
    inspect: { ca, upstreamCa, inspectUnknown: config.proxy.inspect_unknown, passthrough: config.proxy.inspect_passthrough },
  });
  let listen: string;
  let peerSrv: NetServer | undefined;
  try {
    const addr = await core.listenTcp(host, port);
    listen = addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
    const unixSrv = await core.listenUnix(paths.egressSocket);
    // binaries[]: the sandbox relay's attributed connections (a preamble with this start's token) come in here.
    peerSrv = await servePeerSocket(unixSrv, join(paths.sandboxDir, PEER_SOCKET), rotateRelayToken(paths.stateDir), {
      timeoutMs: config.proxy.header_timeout,
      onUntrusted: (why) => ctx.log.warn('egress: untrusted relay preamble on the sandbox socket', { why }),
    });
  } catch (err) {
    peerSrv?.close();
    await core.close();
    audit.close();
    const e = err as NodeJS.ErrnoException;
    throw new ClawdeckError('PROXY_LISTEN_FAILED', `the egress proxy cannot listen on ${config.proxy.listen}: ${e.code ?? e.message}`, {
      hint: e.code === 'EADDRINUSE' ? 'Another program uses that port; set proxy.listen in config.yaml (port 0 picks a free one).' : undefined,
      cause: err,
    });
  }
  ctx.setStatus('proxy', { listen });
  ctx.log.info('egress proxy listening', { listen, socket: paths.egressSocket });
  const syncFlag = (): void => syncAttributeFlag(paths.sandboxDir, policy.usesBinaries?.() ?? false);
  syncFlag();
  const offFlag = policy.onChange(syncFlag);
  return {
    name: 'egress',
    core,
    queue,
    listen,
    caCertFile: join(sandboxCaDir(paths), 'ca.crt'),
    stop: async () => {
      // Fail closed: held requests are refused, tunnels closed, then the last audit lines land.
      queue.close();
      offFlag();
      syncAttributeFlag(paths.sandboxDir, false);
      peerSrv?.close();
      // Let the held requests' 403 answers and deny lines go out before their sockets are closed.
      await new Promise((r) => setImmediate(r));
      await core.close();
      audit.close();
      ctx.setStatus('proxy', { listen: null });
    },
  };
};
