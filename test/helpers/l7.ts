import { createServer as createHttpsServer, Agent as HttpsAgent, request as httpsRequest, type Server } from 'node:https';
import { connect as tlsConnect, createSecureContext, type TLSSocket, type SecureContext } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCa } from '../../src/egress/sandbox-ca.js';
import { AuditLog } from '../../src/egress/audit-log.js';
import { HoldQueue } from '../../src/egress/hold-queue.js';
import { ProxyCore } from '../../src/egress/proxy-core.js';
import { FilePolicyEngine } from '../../src/policy/engine.js';
import type { ApprovalItem } from '../../src/protocol/approvals.js';
import type { Resolver } from '../../src/egress/resolver.js';
import { connectVia, testDialer } from './egress.js';

// A real HTTPS upstream on loopback. Certificates come from `ca` for whatever SNI the client sends,
// except names in `rogue`, which get a certificate from an untrusted CA (a "bad certificate" upstream).
// `misnamed` maps an SNI to the (trusted) name its certificate is issued for instead: a name-mismatch upstream.
export const startHttpsUpstream = async (ca: SandboxCa, rogue: { ca: SandboxCa; names: string[] }, misnamed: Record<string, string> = {}) => {
  const ctxs = new Map<string, Promise<SecureContext>>();
  const ctxFor = (name: string): Promise<SecureContext> => {
    let c = ctxs.get(name);
    if (!c) {
      c = (rogue.names.includes(name) ? rogue.ca : ca).leafFor(misnamed[name] ?? name).then((l) => createSecureContext({ key: l.key, cert: l.cert }));
      ctxs.set(name, c);
    }
    return c;
  };
  const first = await ca.leafFor('localhost');
  let connections = 0;
  let requests = 0;
  const server: Server = createHttpsServer(
    {
      key: first.key,
      cert: first.cert,
      ALPNProtocols: ['http/1.1'],
      SNICallback: (name, cb) => void ctxFor(name).then((c) => cb(null, c), (e: Error) => cb(e, undefined)),
    },
    (req, res) => {
      requests++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const b = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString(), sni: (req.socket as TLSSocket).servername });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
        res.end(b);
      });
    },
  );
  server.on('secureConnection', () => connections++);
  // WebSocket-ish upgrade: 101, then echo.
  server.on('upgrade', (req, sock: Socket) => {
    sock.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
    sock.pipe(sock);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
};

// A proxy with the real policy engine (a temp policy file), a sandbox CA and an injectable upstream trust.
export const startL7Proxy = async (o: {
  policyYaml: string;
  resolver: Resolver;
  fakes?: Map<string, number>;
  upstreamCa: string[];
  inspectUnknown?: boolean;
  passthrough?: string[];
  holdTimeoutMs?: number;
  headerTimeoutMs?: number;
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-l7-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, o.policyYaml);
  const policy = await FilePolicyEngine.open(policyFile);
  const ca = await SandboxCa.loadOrCreate(join(dir, 'ca'));
  const auditFile = join(dir, 'audit.jsonl');
  const audit = new AuditLog(auditFile);
  const state = { items: [] as ApprovalItem[] };
  const queue = new HoldQueue({ holdTimeoutMs: o.holdTimeoutMs ?? 60_000, policy, onChange: (items) => (state.items = items), onNew: () => {}, onResolved: () => {} });
  const dialer = testDialer(o.fakes);
  const core = new ProxyCore({
    policy, queue, audit, resolver: o.resolver, dialer, maxHeaderBytes: 16384, headerTimeoutMs: o.headerTimeoutMs ?? 5000, idleTimeoutMs: 60_000,
    inspect: { ca, upstreamCa: o.upstreamCa, inspectUnknown: o.inspectUnknown ?? false, passthrough: o.passthrough ?? [] },
  });
  const addr = await core.listenTcp('127.0.0.1', 0);
  return {
    core, queue, policy, ca, state, dialer, auditFile, port: addr.port,
    close: async () => {
      queue.close();
      await core.close();
      audit.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

// CONNECT through the proxy, then TLS as the sandbox would (trusting the sandbox CA).
export const tlsVia = async (proxyPort: number, host: string, port: number, ca: string, o: { servername?: string; alpn?: string[] } = {}): Promise<TLSSocket> => {
  const { sock, res } = await connectVia(proxyPort, `${host}:${port}`);
  if (res.status !== 200) throw Object.assign(new Error(`CONNECT answered ${res.status}: ${res.body}`), { status: res.status, body: res.body });
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ socket: sock, servername: o.servername ?? host, ca: [ca], ALPNProtocols: o.alpn ?? ['h2', 'http/1.1'] });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
  });
};

// A keep-alive agent whose connections are CONNECT tunnels through the proxy (one per socket).
export const tunnelAgent = (proxyPort: number, host: string, port: number, ca: string, maxSockets = 1): HttpsAgent => {
  const agent = new HttpsAgent({ keepAlive: true, maxSockets });
  (agent as unknown as { createConnection: (o: unknown, cb: (e: Error | null, s?: Socket) => void) => undefined }).createConnection = (_o, cb) => {
    tlsVia(proxyPort, host, port, ca, { alpn: ['http/1.1'] }).then((s) => cb(null, s), (e: Error) => cb(e));
    return undefined;
  };
  return agent;
};

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  json(): Record<string, unknown>;
}

// One request over an agent or an existing TLS socket.
export const send = (
  o: { agent?: HttpsAgent; socket?: TLSSocket; host: string; port: number; method?: string; path: string; body?: string; headers?: Record<string, string> },
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const r = httpsRequest(
      {
        host: o.host, port: o.port, method: o.method ?? 'GET', path: o.path,
        headers: { host: `${o.host}:${o.port}`, ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
        ...(o.agent ? { agent: o.agent } : { createConnection: () => o.socket! }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> }));
      },
    );
    r.on('error', reject);
    r.end(o.body);
  });
