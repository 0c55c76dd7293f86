import { createServer, type IncomingMessage, type Server, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, getCACertificates, TLSSocket, type SecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import type { PolicyDecision } from '../policy/engine-types.js';
import type { SandboxCa } from './sandbox-ca.js';
import type { Admission, Destination } from './admission.js';
import { riskHints, ruleHint } from './admission.js';
import { dropSet, endToEndHeaders, smuggling, SMUGGLING_HINT } from './forward.js';
import { splitHostPort } from './host-check.js';
import { normalizePath, NORMALIZED_HINT } from './path-normalize.js';
import { refuseResponse, refuseSocket, type Refusal } from './refuse.js';
import { patternCovers } from './hold-queue.js';
import type { LiveConn, ProxyCore } from './proxy-core.js';

// L7 inspection settings: the sandbox CA, the upstream trust, and which hosts are (never) inspected.
export interface InspectOptions {
  ca: SandboxCa;
  // PEM certificates that verify real upstreams (default: node's store + the system store + sandbox.extra_ca_file).
  upstreamCa: string[];
  // proxy.inspect_unknown: unknown hosts are tunnelled, inspected, and each request is asked with method/path.
  inspectUnknown: boolean;
  // proxy.inspect_passthrough: host patterns (exact or *.domain) never inspected (certificate-pinning clients).
  passthrough: string[];
}

// The host's trust store plus an optional extra CA bundle file, for verifying real upstream certificates.
export const defaultUpstreamCa = (extraCaFile?: string): string[] => {
  const ca = [...new Set([...getCACertificates('default'), ...getCACertificates('system')])];
  if (extraCaFile) ca.push(readFileSync(extraCaFile, 'utf8'));
  return ca;
};

// A client that sent its ClientHello with the CONNECT: the bytes already read (`head`) come first. The TLS layer
// reads a plain socket's handle directly, so those bytes go through a small stream wrapper instead (rare path).
const withHead = (client: Socket, head: Buffer): Duplex => {
  const d = new Duplex({
    read: () => void client.resume(),
    write: (chunk: Buffer, _enc, cb) => void client.write(chunk, cb),
    final: (cb) => {
      client.end();
      cb();
    },
    destroy: (err, cb) => {
      client.destroy();
      cb(err);
    },
  });
  d.push(head);
  client.on('data', (c: Buffer) => {
    if (!d.push(c)) client.pause();
  });
  client.on('end', () => d.push(null));
  client.on('close', () => d.destroy());
  return d;
};

// Whether a host is on the pass-through list (plain tunnel even when its endpoint asks for inspection).
export const isPassthrough = (o: InspectOptions, host: string): boolean => o.passthrough.some((p) => patternCovers(p.toLowerCase(), host));

// One inspected tunnel: where it goes and how it was admitted.
interface Tunnel {
  dest: Destination;
  adm: Extract<Admission, { ok: true }>;
  agent: HttpsAgent;
  requests: number;
}

const TLS_ERROR = /CERT|SSL|TLS|SIGNATURE|ISSUER|ALTNAME|VERIFY/;
const REDACTED = '?<redacted>';

const upstreamRefusal = (t: Tunnel, err: NodeJS.ErrnoException): Refusal => {
  const code = err.code ?? 'error';
  if (TLS_ERROR.test(code)) {
    return {
      status: 502,
      error: 'upstream_certificate',
      reason: `the certificate of ${t.dest.host}:${t.dest.port} (${t.adm.ip}) failed verification: ${code} (${err.message})`,
      rule_hint: 'If the host uses a private CA, add it with sandbox.extra_ca_file in config.yaml; or list the host in proxy.inspect_passthrough.',
    };
  }
  return { status: 502, error: 'upstream_unreachable', reason: `${t.dest.host}:${t.dest.port} (${t.adm.ip}): ${code}`, rule_hint: null };
};

// Terminates the sandbox's TLS with a leaf from the sandbox CA, then decides every request on the keep-alive
// connection by method/path/query before forwarding it over verified TLS to the pinned upstream address.
export class Inspector {
  private readonly contexts = new Map<string, Promise<SecureContext>>();
  private readonly agents = new Map<string, HttpsAgent>();
  private readonly tunnels = new WeakMap<Socket, Tunnel>();
  // Built once: parsing hundreds of root certificates per upstream connection would cost more than the handshake.
  private readonly upstreamTrust: SecureContext;
  readonly http: Server;

  constructor(
    private readonly core: ProxyCore,
    readonly opts: InspectOptions,
    limits: { maxHeaderBytes: number; idleTimeoutMs: number; headerTimeoutMs: number },
  ) {
    this.upstreamTrust = createSecureContext({ ca: opts.upstreamCa });
    // Never listens: inspected TLS sockets are handed to it. Host headers are checked against the tunnel here.
    this.http = createServer(
      {
        maxHeaderSize: limits.maxHeaderBytes,
        requireHostHeader: false,
        keepAliveTimeout: Math.min(limits.idleTimeoutMs, 60_000),
        noDelay: true,
        headersTimeout: limits.headerTimeoutMs,
        requestTimeout: 0,
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headerTimeoutMs / 4))),
      },
      (req, res) => this.onRequest(req, res),
    );
    // node runs its header-timeout checks (slow-drip headers) from 'listening'; this server never listens, so start
    // them here (test: "slow-drip request headers inside an inspected tunnel get 408").
    this.http.emit('listening');
    this.http.on('upgrade', (req: IncomingMessage, sock: Socket, head: Buffer) => this.onUpgrade(req, sock, head));
    this.http.on('clientError', (err: NodeJS.ErrnoException, sock: Socket) => {
      const t = this.tunnels.get(sock);
      if (err.code === 'ECONNRESET' || !sock.writable) return sock.destroy();
      const h2 = err.code === 'HPE_PAUSED_H2_UPGRADE' || /PRI \* HTTP\/2/.test(String((err as { rawPacket?: Buffer }).rawPacket ?? ''));
      const r: Refusal = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? { status: 408, error: 'header_timeout', reason: `request headers inside the TLS tunnel did not arrive within ${limits.headerTimeoutMs} ms`, rule_hint: 'Raise proxy.header_timeout in config.yaml if the client is just slow.' }
        : h2
        ? { status: 400, error: 'http2_not_supported', reason: 'HTTP/2 inside an inspected tunnel is not supported; ALPN offers only http/1.1', rule_hint: 'Let the client negotiate ALPN (it will fall back to HTTP/1.1), or list the host in proxy.inspect_passthrough.' }
        : { status: 400, error: 'bad_request', reason: `malformed HTTP request inside the TLS tunnel (${err.code ?? 'parse error'})`, rule_hint: null };
      this.core.audit.write({ event: 'refused', conn: t?.dest.conn ?? 0, scheme: 'https', host: t?.dest.host, port: t?.dest.port, outcome: 'deny', by: 'proxy', rule: r.error, reason: r.reason });
      refuseSocket(sock, r);
    });
  }

  // Verified upstream connections are pooled per (host, pinned address, port) across tunnels: a new tunnel to the
  // same destination skips the upstream handshake. Each connection: the pinned address, verified against the
  // upstream trust with the CONNECT host as name.
  private agentFor(host: string, ip: string, port: number): HttpsAgent {
    const key = `${host}|${ip}|${port}`;
    let a = this.agents.get(key);
    if (a) {
      this.agents.delete(key);
      this.agents.set(key, a);
      return a;
    }
    a = new HttpsAgent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 8, timeout: Math.min(this.core.idleTimeoutMs, 60_000), scheduling: 'lifo' });
    (a as unknown as { createConnection: () => Socket }).createConnection = () =>
      tlsConnect({ socket: this.core.dial(ip, port), servername: host, host, secureContext: this.upstreamTrust, ALPNProtocols: ['http/1.1'] });
    if (this.agents.size >= 256) {
      const oldest = this.agents.keys().next().value!;
      this.agents.get(oldest)!.destroy();
      this.agents.delete(oldest);
    }
    this.agents.set(key, a);
    return a;
  }

  // Closes pooled upstream connections (daemon shutdown).
  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
    this.http.closeAllConnections();
    this.http.close(() => {});
  }

  private context(host: string): Promise<SecureContext> {
    let c = this.contexts.get(host);
    if (!c) {
      c = this.opts.ca.leafFor(host).then((l) => createSecureContext({ key: l.key, cert: l.cert }));
      c.catch(() => this.contexts.delete(host));
      if (this.contexts.size > 1024) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(host, c);
    }
    return c;
  }

  // Takes over an admitted CONNECT tunnel (the 200 is already written): TLS toward the sandbox, then HTTP/1.1.
  async take(client: Socket, head: Buffer, dest: Destination, adm: Extract<Admission, { ok: true }>, started: number): Promise<void> {
    const core = this.core;
    let ctx: SecureContext;
    try {
      ctx = await this.context(dest.host);
    } catch (err) {
      core.audit.write({ event: 'refused', conn: dest.conn, scheme: 'https', host: dest.host, port: dest.port, outcome: 'deny', by: 'proxy', rule: 'leaf-cert', reason: (err as Error).message });
      client.destroy();
      return;
    }
    if (client.destroyed) return;
    let sniProblem: string | undefined;
    const tls = new TLSSocket(head.length ? withHead(client, head) : client, {
      isServer: true,
      secureContext: ctx,
      // HTTP/1.1 only: an HTTP/2-capable client negotiates down; an h2-only client fails the handshake (audited).
      ALPNProtocols: ['http/1.1'],
      SNICallback: (name, cb) => {
        if (name.toLowerCase() === dest.host.toLowerCase()) return cb(null, ctx);
        sniProblem = `TLS SNI "${name}" differs from CONNECT target "${dest.host}"`;
        cb(new Error(sniProblem), undefined);
      },
    });
    const agent = this.agentFor(dest.host, adm.ip, dest.port);
    const tunnel: Tunnel = { dest, adm, agent, requests: 0 };
    this.tunnels.set(tls, tunnel);
    const live: LiveConn = { conn: dest.conn, dest, ip: adm.ip, operator: adm.operator || Boolean(adm.deferred), kill: () => tls.destroy() };
    core.addLive(live);
    let closed = false;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      core.removeLive(live);
      tls.destroy();
      client.destroy();
      core.audit.write({
        event: 'close', conn: dest.conn, host: dest.host, port: dest.port, ip: adm.ip, scheme: 'https',
        bytes_up: client.bytesRead, bytes_down: client.bytesWritten, duration_ms: Date.now() - started,
      });
    };
    const handshake = setTimeout(() => tls.destroy(new Error('TLS handshake did not complete in time')), core.headerTimeoutMs);
    handshake.unref();
    let secured = false;
    tls.on('error', (err: NodeJS.ErrnoException) => {
      // Only a failed handshake is a refusal; a reset after it is just the end of the tunnel (its close line follows).
      if (!secured) {
        const reason = sniProblem ?? `TLS handshake with the sandbox failed: ${err.code ?? ''} ${err.message}`.trim();
        core.audit.write({
          event: 'decision', conn: dest.conn, host: dest.host, port: dest.port, ip: adm.ip, scheme: 'https', outcome: 'deny', by: 'proxy',
          rule: sniProblem ? 'tunnel-host-check' : /ALPN|APPLICATION_PROTOCOL/i.test(`${err.code} ${err.message}`) ? 'alpn-http1-only' : 'tls-handshake', reason,
        });
      }
      finish();
    });
    tls.on('close', finish);
    client.on('close', finish);
    tls.once('secure', () => {
      secured = true;
      clearTimeout(handshake);
      tls.setTimeout(core.idleTimeoutMs, () => finish());
      this.http.emit('connection', tls);
    });
    client.resume();
  }

  // Host header inside the tunnel, path normalization and the per-request decision; null when already answered.
  private check(req: IncomingMessage, t: Tunnel): { path: string; query: string | undefined; shown: string; decision: PolicyDecision } | { refusal: Refusal; close: boolean } {
    const { dest } = t;
    const hh = req.headers.host === undefined ? undefined : splitHostPort(req.headers.host, dest.port);
    if (!hh || hh.host.replace(/^\[|\]$/g, '').toLowerCase() !== dest.host.toLowerCase() || hh.port !== dest.port) {
      return {
        close: true,
        refusal: {
          status: 421,
          error: 'host_mismatch',
          reason: `Host header "${req.headers.host ?? ''}" inside the TLS tunnel differs from CONNECT target "${dest.host}:${dest.port}"`,
          rule_hint: 'Open one tunnel per host.',
        },
      };
    }
    const s = smuggling(req);
    if (s) return { close: true, refusal: { status: 400, error: 'request_smuggling', reason: `ambiguous request: ${s}`, rule_hint: SMUGGLING_HINT } };
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? undefined : url.slice(q + 1);
    const n = normalizePath(rawPath, { allowEncodedSlash: t.adm.allowEncodedSlash });
    if (!n.ok) return { close: false, refusal: { status: 400, error: n.error, reason: n.reason, rule_hint: NORMALIZED_HINT } };
    const shown = n.path + (query ? REDACTED : '');
    let decision: PolicyDecision;
    try {
      decision = this.core.policy.decide({ host: dest.host, port: dest.port, ip: t.adm.ip, method: req.method, path: n.path, query, binary: dest.binary });
    } catch (err) {
      decision = { verdict: 'deny', rule: null, reason: `policy error: ${(err as Error).message}`, audit: false, closest: null };
    }
    return { path: n.path, query, shown, decision };
  }

  // allow / audit → true; deny → refusal; ask → held (method, path, body size shown) until the operator decides.
  private async admitRequest(req: IncomingMessage, t: Tunnel, shown: string, path: string, d: PolicyDecision): Promise<{ ok: true; by: string; rule: string | null } | { ok: false; refusal: Refusal }> {
    const { dest, adm } = t;
    const core = this.core;
    const bodyBytes = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : req.headers['transfer-encoding'] ? null : 0;
    const line = { conn: dest.conn, host: dest.host, port: dest.port, ip: adm.ip, scheme: 'https' as const, method: req.method, path: shown, verdict: d.verdict, rule: d.rule, reason: d.reason, body_bytes: bodyBytes };
    const rd: Destination = { ...dest, method: req.method, path };
    if (d.verdict === 'allow' || (d.verdict === 'deny' && d.audit)) {
      core.audit.writeSoon({ ...line, event: 'decision', outcome: 'allow', by: 'policy', ...(d.audit ? { audit_only: true } : {}) });
      return { ok: true, by: 'policy', rule: d.rule };
    }
    if (d.verdict === 'deny') {
      core.audit.write({ ...line, event: 'decision', outcome: 'deny', by: 'policy' });
      return { ok: false, refusal: { status: 403, error: 'denied', reason: d.reason, rule_hint: ruleHint(rd, adm.ip, d) } };
    }
    const grant = core.queue.grantFor(dest.host, dest.port, path);
    if (grant) {
      const rule = `approval:${grant.approval}/${grant.scope}`;
      core.audit.writeSoon({ ...line, event: 'decision', outcome: 'allow', by: grant.by, rule, approval: grant.approval });
      return { ok: true, by: grant.by, rule };
    }
    const held = core.queue.hold({
      host: dest.host, port: dest.port, ip: adm.ip, scheme: 'https', method: req.method, path: shown, bodyBytes,
      closest: d.closest, risk: riskHints(dest, adm.ip, true).filter((r) => r !== 'new-domain'),
    });
    core.audit.write({ ...line, event: 'held', approval: held.id });
    req.socket.once('close', held.cancel);
    const o = await held.outcome;
    req.socket.off('close', held.cancel);
    if (o.allow) {
      const rule = `approval:${o.approval}/${o.scope}`;
      core.audit.write({ ...line, event: 'decision', outcome: 'allow', by: o.by, rule, approval: o.approval });
      return { ok: true, by: o.by, rule };
    }
    core.audit.write({ ...line, event: 'decision', outcome: 'deny', by: o.by, reason: o.reason, approval: o.approval });
    return {
      ok: false,
      refusal: o.timedOut
        ? { status: 403, error: 'awaiting_approval', reason: `${req.method} ${shown} on ${dest.host}:${dest.port} is awaiting operator approval (item ${o.approval}); ${o.reason}`, rule_hint: `approve it (clawdeck approvals allow ${o.approval}) and retry` }
        : { status: 403, error: 'denied', reason: o.reason, rule_hint: ruleHint(rd, adm.ip, d) },
    };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const t = this.tunnels.get(req.socket);
    if (!t) return void res.destroy();
    t.requests++;
    const c = this.check(req, t);
    if ('refusal' in c) return this.refuse(req, res, t, c.refusal, c.close);
    if (req.headers.upgrade) {
      return this.refuse(req, res, t, { status: 400, error: 'bad_upgrade', reason: `upgrade "${req.headers.upgrade}" without Connection: upgrade`, rule_hint: null }, true);
    }
    req.pause();
    void this.admitRequest(req, t, c.shown, c.path, c.decision).then((a) => {
      if (res.destroyed) return;
      if (!a.ok) return refuseResponse(res, a.refusal);
      this.forward(req, res, t, c.path + (c.query === undefined ? '' : `?${c.query}`));
    });
  }

  private refuse(req: IncomingMessage, res: ServerResponse, t: Tunnel, r: Refusal, close: boolean): void {
    this.core.audit.write({ event: 'refused', conn: t.dest.conn, scheme: 'https', host: t.dest.host, port: t.dest.port, method: req.method, outcome: 'deny', by: 'proxy', rule: r.error, reason: r.reason });
    refuseResponse(res, r, close);
    if (close) res.once('finish', () => req.socket.destroySoon?.());
  }

  private forward(req: IncomingMessage, res: ServerResponse, t: Tunnel, path: string): void {
    const drop = dropSet(req.headers.connection);
    const headers: OutgoingHttpHeaders = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const lk = req.rawHeaders[i]!.toLowerCase();
      if (drop.has(lk)) continue;
      const prev = headers[lk];
      headers[lk] = prev === undefined ? req.rawHeaders[i + 1]! : ([] as string[]).concat(prev as string | string[], req.rawHeaders[i + 1]!);
    }
    if (req.headers['transfer-encoding']) headers['transfer-encoding'] = 'chunked';
    const ureq = httpsRequest({ host: t.adm.ip, port: t.dest.port, method: req.method, path, headers, agent: t.agent, setHost: false });
    req.pipe(ureq);
    req.resume();
    ureq.on('response', (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, endToEndHeaders(ures));
      ures.pipe(res);
      ures.on('error', () => res.destroy());
    });
    ureq.on('error', (err: NodeJS.ErrnoException) => {
      const r = upstreamRefusal(t, err);
      this.core.audit.write({
        event: 'refused', conn: t.dest.conn, scheme: 'https', host: t.dest.host, port: t.dest.port, ip: t.adm.ip, method: req.method,
        outcome: 'deny', by: 'proxy', rule: r.error, reason: r.reason, ...(r.error === 'upstream_certificate' ? { tls_error: err.code ?? err.message } : {}),
      });
      if (!res.headersSent) refuseResponse(res, r);
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) ureq.destroy();
    });
  }

  // WebSocket (and any other) upgrade: only when the endpoint that allows the request has protocol: websocket.
  private onUpgrade(req: IncomingMessage, sock: Socket, head: Buffer): void {
    const t = this.tunnels.get(sock);
    if (!t) return void sock.destroy();
    t.requests++;
    const c = this.check(req, t);
    const refuse = (r: Refusal): void => {
      this.core.audit.write({ event: 'refused', conn: t.dest.conn, scheme: 'https', host: t.dest.host, port: t.dest.port, method: req.method, outcome: 'deny', by: 'proxy', rule: r.error, reason: r.reason });
      refuseSocket(sock, r);
    };
    if ('refusal' in c) return refuse(c.refusal);
    const d = c.decision;
    const ws = String(req.headers.upgrade).toLowerCase() === 'websocket';
    if (!ws || !(d.verdict === 'allow' && d.websocket) && !d.audit) {
      return refuse({
        status: 403,
        error: 'upgrade_not_allowed',
        reason: `${ws ? 'WebSocket' : `"${req.headers.upgrade}"`} upgrade to ${t.dest.host}:${t.dest.port}${c.shown} is not allowed: ${d.verdict === 'allow' ? 'the endpoint is not protocol: websocket' : d.reason}`,
        rule_hint: `add an endpoint { host: ${t.dest.host}, port: ${t.dest.port}, protocol: websocket } in the policy file`,
      });
    }
    this.core.audit.write({ event: 'decision', conn: t.dest.conn, host: t.dest.host, port: t.dest.port, ip: t.adm.ip, scheme: 'https', method: req.method, path: c.shown, verdict: d.verdict, outcome: 'allow', by: 'policy', rule: d.rule, reason: `websocket upgrade: ${d.reason}`, ...(d.audit ? { audit_only: true } : {}) });
    const up = tlsConnect({ socket: this.core.dial(t.adm.ip, t.dest.port), servername: t.dest.host, host: t.dest.host, secureContext: this.upstreamTrust, ALPNProtocols: ['http/1.1'] });
    let headStr = `${req.method} ${c.path}${c.query === undefined ? '' : `?${c.query}`} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) headStr += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    let connected = false;
    up.once('secureConnect', () => {
      connected = true;
      up.write(headStr + '\r\n');
      if (head.length) up.write(head);
      up.pipe(sock);
      sock.pipe(up);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) refuse(upstreamRefusal(t, err));
      else sock.destroy();
    });
    sock.on('close', () => up.destroy());
    sock.on('error', () => up.destroy());
  }
}
