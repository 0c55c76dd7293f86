import type { Socket } from 'node:net';
import { request, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { normalizePath, NORMALIZED_HINT } from './path-normalize.js';
import { checkHost, isHostProblem, splitHostPort } from './host-check.js';
import { refuseResponse, type Refusal } from './refuse.js';
import type { ProxyCore, LiveConn } from './proxy-core.js';
import type { Admission } from './admission.js';
import { leanEligible, leanForward } from './lean-forward.js';

// Hop-by-hop headers (RFC 9110 §7.6.1) and proxy credentials: never forwarded.
const HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

// The headers not to forward: HOP plus those the Connection header names. The common value "keep-alive"
// names nothing new, and then the shared set is returned instead of a copy per request.
export const dropSet = (connectionHeader: string | string[] | undefined): ReadonlySet<string> => {
  if (connectionHeader === undefined) return HOP;
  const v = Array.isArray(connectionHeader) ? connectionHeader.join(',') : connectionHeader;
  let s: Set<string> | undefined;
  for (const t of v.split(',')) {
    const name = t.trim().toLowerCase();
    if (name && !HOP.has(name)) (s ??= new Set(HOP)).add(name);
  }
  return s ?? HOP;
};

// An upstream response's raw headers minus hop-by-hop ones, for writeHead (order and case kept).
export const endToEndHeaders = (ures: IncomingMessage): string[] => {
  const udrop = dropSet(ures.headers.connection);
  const raw: string[] = [];
  for (let i = 0; i < ures.rawHeaders.length; i += 2) {
    if (!udrop.has(ures.rawHeaders[i]!.toLowerCase())) raw.push(ures.rawHeaders[i]!, ures.rawHeaders[i + 1]!);
  }
  return raw;
};

// Request smuggling guards on top of llhttp's: one framing header, one value, only plain "chunked"; and one
// Host (Node keeps the first, some upstreams route by the last: a second vhost on an allowed address).
export const smuggling = (req: IncomingMessage): string | undefined => {
  let cl = 0;
  let te = 0;
  let host = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!.toLowerCase();
    if (k === 'content-length') cl++;
    if (k === 'transfer-encoding') te++;
    if (k === 'host') host++;
  }
  if (host > 1) return 'more than one Host header';
  if (cl && te) return 'both Content-Length and Transfer-Encoding are present';
  if (cl > 1) return 'more than one Content-Length header';
  if (te > 1) return 'more than one Transfer-Encoding header';
  const tev = req.headers['transfer-encoding'];
  if (tev !== undefined && tev.trim().toLowerCase() !== 'chunked') return `Transfer-Encoding "${tev}" is not plain "chunked"`;
  return undefined;
};

export const SMUGGLING_HINT = 'Send one Host header, and either Content-Length or Transfer-Encoding: chunked, once.';

// Parses and checks an absolute-form request target; the refusal says which trick was seen.
export const checkRequestTarget = (
  req: IncomingMessage,
): { ok: true; host: string; port: number; isIp: boolean; path: string } | { ok: false; refusal: Refusal } => {
  const bad = (error: string, reason: string, rule_hint: string | null = null) => ({ ok: false as const, refusal: { status: 400, error, reason, rule_hint } });
  const url = req.url ?? '';
  if (/^https:\/\//i.test(url)) return bad('use_connect', 'https:// URLs go through CONNECT, not as plain proxy requests', 'Use the proxy with CONNECT (HTTPS_PROXY).');
  const m = /^http:\/\/([^/?#]*)([^#]*)/i.exec(url);
  if (!m) return bad('not_proxy_request', `"${url.slice(0, 200)}" is not an absolute http:// URL`, 'Send absolute-form requests (http://host/path) to the proxy.');
  const authority = m[1]!;
  if (authority.includes('@')) return bad('userinfo', 'credentials in the URL (user@host) are refused: they hide the real destination', 'Send credentials in an Authorization header instead.');
  const hp = splitHostPort(authority, 80);
  if (!hp) return bad('bad_target', `"${authority}" is not host[:port]`);
  const t = checkHost(hp.host);
  if (isHostProblem(t)) return bad(t.code, t.reason, t.hint);
  const hostHeader = req.headers.host;
  if (hostHeader === undefined) return bad('missing_host', 'the request has no Host header', 'HTTP/1.1 requires a Host header equal to the URL authority.');
  const hh = splitHostPort(hostHeader, 80);
  const ht = hh ? checkHost(hh.host) : undefined;
  if (!hh || !ht || isHostProblem(ht) || ht.host !== t.host || hh.port !== hp.port) {
    return bad('host_mismatch', `Host header "${hostHeader}" differs from the request URI authority "${authority}"`, 'Send the same host in the URL and the Host header.');
  }
  const s = smuggling(req);
  if (s) return bad('request_smuggling', `ambiguous request: ${s}`, SMUGGLING_HINT);
  return { ok: true, host: t.host, port: hp.port, isIp: t.kind === 'ip', path: m[2] || '/' };
};

// One absolute-form request: checks, decision (maybe held), then forwarded to the pinned address with
// streaming both ways (pipe = backpressure) over a keep-alive upstream pool.
export const handleRequest = (core: ProxyCore, req: IncomingMessage, res: ServerResponse): void => {
  const conn = core.nextConn();
  const started = Date.now();
  const target = checkRequestTarget(req);
  if (!target.ok) {
    core.audit.write({ event: 'refused', conn, scheme: 'http', method: req.method, reason: target.refusal.reason, outcome: 'deny', by: 'proxy', rule: target.refusal.error });
    // A framing problem leaves the connection in an unknown state: close it.
    return refuseResponse(res, target.refusal, target.refusal.error === 'request_smuggling');
  }
  // Rules see the normalized path and upstream gets exactly that (as inside inspected TLS): "/a/../admin" or
  // "//admin" must not pass a deny rule on /admin/** and then reach /admin. %2F is kept encoded here and
  // refused below unless the deciding endpoint allows it.
  const q = target.path.indexOf('?');
  const query = q === -1 ? undefined : target.path.slice(q + 1);
  const n = normalizePath(q === -1 ? target.path : target.path.slice(0, q), { allowEncodedSlash: true });
  if (!n.ok) {
    core.audit.write({ event: 'refused', conn, host: target.host, port: target.port, scheme: 'http', method: req.method, reason: n.reason, outcome: 'deny', by: 'proxy', rule: n.error });
    return refuseResponse(res, { status: 400, error: n.error, reason: n.reason, rule_hint: NORMALIZED_HINT });
  }
  const dest = {
    conn,
    scheme: 'http' as const,
    host: target.host,
    port: target.port,
    isIp: target.isIp,
    method: req.method,
    path: n.path,
    query,
    peer: req.socket,
  };
  req.pause();
  const admitted = (a: Admission): void => {
    if (req.socket.destroyed) return;
    if (!a.ok) return refuseResponse(res, a.refusal);
    if (!a.allowEncodedSlash && n.path.includes('%2F')) {
      const reason = 'encoded slash (%2F) in the path is refused: servers disagree on what it means';
      core.audit.write({ event: 'refused', conn, host: dest.host, port: dest.port, scheme: 'http', method: req.method, path: n.path, reason, outcome: 'deny', by: 'proxy', rule: 'encoded_slash' });
      return refuseResponse(res, { status: 400, error: 'encoded_slash', reason, rule_hint: 'Set allow_encoded_slash: true on the endpoint if its API needs it.' });
    }
    // What the policy and any grant checked is what upstream gets (the query unchanged).
    const path = n.path + (query === undefined ? '' : `?${query}`);
    forward({ core, req, res, dest, path, ip: a.ip, operator: a.operator, started });
  };
  core.admitter.decide(dest, (cancel) => req.socket.once('close', cancel), admitted);
};

// One admitted request on its way upstream.
interface Forwarding {
  core: ProxyCore;
  req: IncomingMessage;
  res: ServerResponse;
  dest: LiveConn['dest'];
  path: string;
  ip: string;
  operator: boolean;
  started: number;
}

// The after-the-fact audit line of a forwarded request (bytes and duration).
const closeLine = (f: Forwarding, up: number, down: number): void =>
  f.core.audit.writeSoon({
    event: 'close', conn: f.dest.conn, host: f.dest.host, port: f.dest.port, ip: f.ip, scheme: 'http', method: f.dest.method, path: f.dest.path,
    bytes_up: up, bytes_down: down, duration_ms: Date.now() - f.started,
  });

// 502 with the dial or stream error, unless the response has begun (then the client sees the cut).
const upstreamFailed = (f: Forwarding, err: Error): boolean => {
  if (f.res.headersSent) return false;
  refuseResponse(f.res, { status: 502, error: 'upstream_error', reason: `${f.dest.host}:${f.dest.port} (${f.ip}): ${(err as NodeJS.ErrnoException).code ?? err.message}`, rule_hint: null });
  return true;
};

const forward = (f: Forwarding): void => {
  const { core, req, res, dest, ip } = f;
  const drop = dropSet(req.headers.connection);
  if (leanEligible(req)) return forwardLean(f, drop);
  const headers: OutgoingHttpHeaders = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!;
    const lk = k.toLowerCase();
    if (drop.has(lk)) continue;
    const prev = headers[lk];
    headers[lk] = prev === undefined ? req.rawHeaders[i + 1]! : ([] as string[]).concat(prev as string | string[], req.rawHeaders[i + 1]!);
  }
  let up = 0;
  let down = 0;
  let closed = false;
  const ureq = request({ host: ip, port: dest.port, method: req.method, path: f.path, headers, agent: core.agent, setHost: false });
  const live: LiveConn = { conn: dest.conn, dest, ip, operator: f.operator, kill: () => { ureq.destroy(); res.destroy(); } };
  core.addLive(live);
  const finish = (): void => {
    if (closed) return;
    closed = true;
    core.removeLive(live);
    closeLine(f, up, down);
  };
  req.on('data', (c: Buffer) => (up += c.length));
  req.pipe(ureq);
  ureq.on('response', (ures) => {
    res.writeHead(ures.statusCode ?? 502, ures.statusMessage, endToEndHeaders(ures));
    ures.on('data', (c: Buffer) => (down += c.length));
    ures.pipe(res);
    ures.on('error', () => res.destroy());
  });
  ureq.on('error', (err) => {
    if (!upstreamFailed(f, err)) res.destroy();
    finish();
  });
  res.on('close', () => {
    if (!res.writableFinished) ureq.destroy();
    finish();
  });
};

// Body-less requests: one pre-built request head on a pooled upstream socket (see lean-forward.ts).
const forwardLean = (f: Forwarding, drop: ReadonlySet<string>): void => {
  const { core, req, res, dest, ip } = f;
  let head = `${req.method} ${f.path} HTTP/1.1\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!drop.has(req.rawHeaders[i]!.toLowerCase())) head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
  }
  head += '\r\n';
  let sock: Socket | undefined;
  const live: LiveConn = { conn: dest.conn, dest, ip, operator: f.operator, kill: () => { sock?.destroy(); res.destroy(); } };
  core.addLive(live);
  const done = (down: number): void => {
    core.removeLive(live);
    closeLine(f, 0, down);
  };
  req.resume();
  leanForward(req, res, {
    pool: core.upstreams,
    key: `${ip}:${dest.port}`,
    dial: () => core.dial(ip, dest.port),
    onSocket: (s) => (sock = s),
    head,
    onDone: (r) => done(r.bytesDown),
    onFail: (err) => {
      upstreamFailed(f, err);
      done(0);
    },
  });
};
