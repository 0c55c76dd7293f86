import { afterAll, beforeAll } from 'vitest';
import { connect, createServer, Socket, type Server, type AddressInfo, type OnReadOpts } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { EgressRequest, PolicyDecision, PolicyEngine, RuleAddition } from '../../src/policy/engine-types.js';
import { AuditLog } from '../../src/egress/audit-log.js';
import { HoldQueue } from '../../src/egress/hold-queue.js';
import { ProxyCore } from '../../src/egress/proxy-core.js';
import type { ApprovalItem } from '../../src/protocol/approvals.js';
import type { Dialer, Resolver } from '../../src/egress/resolver.js';

export interface TestRule {
  host: string;
  port: number;
  action: 'allow' | 'deny';
  audit?: boolean;
}

// A tiny in-test PolicyEngine for proxy unit tests (daemon-level tests use the real engine).
export class TestPolicy implements PolicyEngine {
  generation = 0;
  added: RuleAddition[] = [];
  private listeners = new Set<() => void>();
  constructor(
    public rules: TestRule[] = [],
    public allowedIps = new Set<string>(['127.0.0.1']),
  ) {}

  decide(req: EgressRequest): PolicyDecision {
    const covers = (h: string): boolean => (h.startsWith('*.') ? req.host === h.slice(2) || req.host.endsWith(h.slice(1)) : h === req.host);
    for (const [i, r] of this.rules.entries()) {
      if (covers(r.host) && r.port === req.port && r.action === 'deny') return { verdict: 'deny', rule: `rules[${i}]`, reason: `rule denies ${req.host}`, audit: Boolean(r.audit), closest: null };
    }
    if (req.ip && ipaddr.process(req.ip).range() !== 'unicast' && !this.allowedIps.has(req.ip)) {
      return { verdict: 'deny', rule: 'private-address', reason: `${req.ip} is a private address`, audit: false, closest: null };
    }
    for (const [i, r] of this.rules.entries()) {
      if (covers(r.host) && r.port === req.port) return { verdict: 'allow', rule: `rules[${i}]`, reason: 'allowed', audit: false, closest: null };
    }
    const near = this.rules.findIndex((r) => covers(r.host));
    return { verdict: 'ask', rule: 'default', reason: 'no rule covers it', audit: false, closest: near === -1 ? null : `rules[${near}]` };
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async addRule(rule: RuleAddition): Promise<void> {
    this.added.push(rule);
    this.set([...this.rules, { host: rule.host, port: rule.port, action: rule.action }]);
  }

  set(rules: TestRule[]): void {
    this.rules = rules;
    this.generation++;
    for (const fn of this.listeners) fn();
  }
}

// Dials loopback for real; "fake public" addresses map onto loopback ports; anything else is recorded and refused.
export const testDialer = (fakes: Map<string, number> = new Map()): Dialer & { attempts: string[] } => {
  const attempts: string[] = [];
  const d = ((ip: string, port: number, onread?: OnReadOpts) => {
    attempts.push(`${ip}:${port}`);
    const extra = onread ? { onread } : {};
    if (ip === '127.0.0.1') return connect({ host: ip, port, noDelay: true, ...extra });
    const real = fakes.get(`${ip}:${port}`);
    if (real !== undefined) return connect({ host: '127.0.0.1', port: real, noDelay: true, ...extra });
    const s = new Socket();
    process.nextTick(() => s.destroy(Object.assign(new Error('test dialer never dials this'), { code: 'ETESTNODIAL' })));
    return s;
  }) as Dialer & { attempts: string[] };
  d.attempts = attempts;
  return d;
};

export const mapResolver = (map: Record<string, string[]>): Resolver => async (h) => {
  const v = map[h];
  if (!v) throw Object.assign(new Error(`ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
  return v;
};

export interface TestProxy {
  core: ProxyCore;
  queue: HoldQueue;
  policy: TestPolicy;
  port: number;
  auditFile: string;
  items: ApprovalItem[];
  events: { event: string; data: unknown }[];
  dialer: ReturnType<typeof testDialer>;
  close(): Promise<void>;
}

// A proxy on a loopback port with a temp audit log.
export const startTestProxy = async (o: {
  policy?: TestPolicy;
  resolver?: Resolver;
  fakes?: Map<string, number>;
  holdTimeoutMs?: number;
  headerTimeoutMs?: number;
  maxHeaderBytes?: number;
  now?: () => number;
} = {}): Promise<TestProxy> => {
  const dir = mkdtempSync(join(tmpdir(), 'clawdeck-egress-'));
  const auditFile = join(dir, 'audit.jsonl');
  const audit = new AuditLog(auditFile);
  const policy = o.policy ?? new TestPolicy();
  const events: TestProxy['events'] = [];
  const t: Partial<TestProxy> = { items: [], events };
  const queue = new HoldQueue({
    holdTimeoutMs: o.holdTimeoutMs ?? 60_000,
    policy,
    onChange: (items) => (t.items = items),
    onNew: (item) => events.push({ event: 'approval.new', data: item }),
    onResolved: (item, decision, by, released) => events.push({ event: 'approval.resolved', data: { id: item.id, decision, by, released } }),
    now: o.now,
  });
  const dialer = testDialer(o.fakes);
  const core = new ProxyCore({
    policy,
    queue,
    audit,
    resolver: o.resolver ?? mapResolver({ 'localhost': ['127.0.0.1'], 'upstream.test': ['127.0.0.1'] }),
    dialer,
    maxHeaderBytes: o.maxHeaderBytes ?? 8192,
    headerTimeoutMs: o.headerTimeoutMs ?? 5000,
    idleTimeoutMs: 60_000,
  });
  const addr = await core.listenTcp('127.0.0.1', 0);
  return Object.assign(t, {
    core,
    queue,
    policy,
    port: addr.port,
    auditFile,
    dialer,
    close: async () => {
      queue.close();
      await core.close();
      audit.close();
      rmSync(dir, { recursive: true, force: true });
    },
  }) as TestProxy;
};

// Echo TCP upstream (tunnel target).
export const startEcho = async (): Promise<{ port: number; server: Server; close(): Promise<void> }> => {
  const server = createServer((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server, close: () => new Promise((r) => server.close(() => r())) };
};

// HTTP upstream that echoes method, url, headers and body as JSON (or runs a custom handler).
export const startHttpUpstream = async (
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ port: number; server: HttpServer; close(): Promise<void> }> => {
  const server = createHttpServer(
    handler ??
      ((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const b = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
          res.end(b);
        });
      }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
};

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
  json(): Record<string, unknown>;
}

// Reads one HTTP response head (+ body up to content-length or close) from a socket.
export const readResponse = (s: Socket): Promise<RawResponse & { rest: Buffer }> =>
  new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (rest: Buffer, head: string, body: string): void => {
      s.off('data', onData);
      s.off('close', onClose);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body, rest, json: () => JSON.parse(body) as Record<string, unknown> });
    };
    const tryParse = (closed: boolean): void => {
      const i = buf.indexOf('\r\n\r\n');
      if (i === -1) {
        if (closed) reject(new Error(`connection closed without a response (${buf.length} bytes)`));
        return;
      }
      const head = buf.subarray(0, i).toString('latin1');
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      if (status === 200 && /^HTTP\/1\.1 200 Connection Established/.test(head)) return done(buf.subarray(i + 4), head, '');
      if (cl) {
        const n = Number(cl[1]);
        if (buf.length >= i + 4 + n) return done(buf.subarray(i + 4 + n), head, buf.subarray(i + 4, i + 4 + n).toString());
      } else if (closed) return done(Buffer.alloc(0), head, buf.subarray(i + 4).toString());
    };
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      tryParse(false);
    };
    const onClose = (): void => tryParse(true);
    s.on('data', onData);
    s.once('close', onClose);
    s.once('error', () => {});
  });

// Opens a raw connection to the proxy and sends text; returns the socket and the first response.
export const rawRequest = async (port: number, text: string | Buffer): Promise<{ sock: Socket; res: RawResponse & { rest: Buffer } }> => {
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => {
    sock.once('connect', r);
    sock.once('error', j);
  });
  const res = readResponse(sock);
  sock.write(text);
  return { sock, res: await res };
};

// Sends CONNECT and resolves with the response (200 = tunnel ready on `sock`).
export const connectVia = (port: number, target: string, extra = ''): Promise<{ sock: Socket; res: RawResponse & { rest: Buffer } }> =>
  rawRequest(port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${extra}\r\n`);

// Reads lines of the audit log.
export const readAudit = async (file: string): Promise<Record<string, unknown>[]> => {
  const { readFileSync } = await import('node:fs');
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
};

// Writes to a socket and collects exactly n bytes back.
export const roundTrip = (s: Socket, data: Buffer | string, n?: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const want = n ?? Buffer.byteLength(data);
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer): void => {
      chunks.push(c);
      got += c.length;
      if (got >= want) {
        s.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    s.on('data', onData);
    s.once('close', () => got < want && reject(new Error(`closed after ${got}/${want} bytes`)));
    s.write(data);
  });

// The echo server and the JSON-echo HTTP upstream a test file shares: started before its tests, closed after.
// Read the fields inside tests and hooks (they are set in beforeAll).
export const useUpstreams = (): { echo: Awaited<ReturnType<typeof startEcho>>; web: Awaited<ReturnType<typeof startHttpUpstream>> } => {
  const u = {} as ReturnType<typeof useUpstreams>;
  beforeAll(async () => {
    u.echo = await startEcho();
    u.web = await startHttpUpstream();
  });
  afterAll(async () => {
    await u.echo?.close();
    await u.web?.close();
  });
  return u;
};
