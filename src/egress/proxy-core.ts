import { createServer, Agent, type Server } from 'node:http';
import type { Socket, AddressInfo, OnReadOpts } from 'node:net';
import { chmodSync, rmSync } from 'node:fs';
import type { PolicyEngine } from '../policy/engine-types.js';
import { Admitter, type Destination } from './admission.js';
import type { AuditLog } from './audit-log.js';
import type { HoldQueue } from './hold-queue.js';
import type { Dialer, Resolver } from './resolver.js';
import { refuseResponse, refuseSocket, type Refusal } from './refuse.js';
import { handleConnect } from './tunnel.js';
import { takeOverConnections } from './fast-connect.js';
import { handleRequest } from './forward.js';
import { UpstreamPool } from './lean-forward.js';
import { Inspector, type InspectOptions } from './inspect.js';

// A connection or in-flight request that policy changes must re-check.
export interface LiveConn {
  conn: number;
  dest: Destination;
  ip: string;
  operator: boolean;
  kill: () => void;
}

export interface ProxyOptions {
  policy: PolicyEngine;
  queue: HoldQueue;
  audit: AuditLog;
  resolver: Resolver;
  dialer: Dialer;
  maxHeaderBytes: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  connectTimeoutMs?: number;
  // L7 TLS inspection (sandbox CA); without it every CONNECT is a plain tunnel.
  inspect?: InspectOptions;
}

// llhttp error codes → refusal bodies.
const parseRefusal = (code: string | undefined, maxHeaderBytes: number, headerTimeoutMs: number): Refusal => {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: 'headers_too_large', reason: `request headers exceed ${maxHeaderBytes} bytes`, rule_hint: 'Raise proxy.max_header_bytes in config.yaml if this is legitimate.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'header_timeout', reason: `request headers did not arrive within ${headerTimeoutMs} ms`, rule_hint: 'Raise proxy.header_timeout in config.yaml if the client is just slow.' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, error: 'request_smuggling', reason: `ambiguous message framing (${code})`, rule_hint: 'Send either Content-Length or Transfer-Encoding: chunked, once.' };
    default:
      return { status: 400, error: 'bad_request', reason: `malformed HTTP request (${code ?? 'parse error'})`, rule_hint: null };
  }
};

// The forward proxy: one request handler set, served on a loopback TCP port and on the sandbox's Unix socket.
export class ProxyCore {
  readonly admitter: Admitter;
  readonly audit: AuditLog;
  readonly agent: Agent;
  readonly upstreams = new UpstreamPool();
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly policy: PolicyEngine;
  readonly queue: HoldQueue;
  readonly inspector: Inspector | undefined;
  private readonly live = new Set<LiveConn>();
  private readonly sockets = new Set<Socket>();
  private readonly servers: Server[] = [];
  private readonly https: Server[] = [];
  private readonly stopFastPaths: (() => void)[] = [];
  private seq = 0;
  private unsubscribe: () => void;

  constructor(private readonly opts: ProxyOptions) {
    this.audit = opts.audit;
    this.headerTimeoutMs = opts.headerTimeoutMs;
    this.idleTimeoutMs = opts.idleTimeoutMs;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.admitter = new Admitter(opts.policy, opts.queue, opts.audit, opts.resolver);
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256, scheduling: 'lifo', timeout: opts.idleTimeoutMs });
    // The pool key is the pinned address (host: ip), so a connection is only reused for the address it was checked for.
    (agent as unknown as { createConnection: (o: { host: string; port: number }) => Socket }).createConnection = (o) => opts.dialer(o.host, o.port);
    this.agent = agent;
    this.unsubscribe = opts.policy.onChange(() => this.recheck());
    this.policy = opts.policy;
    this.queue = opts.queue;
    this.inspector = opts.inspect ? new Inspector(this, opts.inspect, { maxHeaderBytes: opts.maxHeaderBytes, idleTimeoutMs: opts.idleTimeoutMs, headerTimeoutMs: opts.headerTimeoutMs }) : undefined;
  }

  // One http.Server per listener: node only runs its header-timeout checks on a listening server.
  private createHttp(): Server {
    const opts = this.opts;
    const checkEveryMs = Math.max(50, Math.min(1000, Math.floor(opts.headerTimeoutMs / 4)));
    const http = createServer(
      {
        maxHeaderSize: opts.maxHeaderBytes,
        headersTimeout: opts.headerTimeoutMs,
        requestTimeout: 0,
        connectionsCheckingInterval: checkEveryMs,
        keepAliveTimeout: Math.min(opts.idleTimeoutMs, 60_000),
        noDelay: true,
        requireHostHeader: false,
      },
      (req, res) => handleRequest(this, req, res),
    );
    http.on('connect', (req, sock: Socket, head: Buffer) => handleConnect(this, req.url ?? '', req.headers.host, sock, head));
    // Simple CONNECT heads skip llhttp; everything else reaches the listeners above through node's parser.
    this.stopFastPaths.push(
      takeOverConnections(http, { maxHeaderBytes: opts.maxHeaderBytes, headerTimeoutMs: opts.headerTimeoutMs, checkEveryMs }, (c, sock) =>
        handleConnect(this, c.target, c.host, sock, c.rest),
      ),
    );
    http.on('upgrade', (req, sock: Socket) => {
      this.refuseRaw(sock, this.nextConn(), {
        status: 400,
        error: 'upgrade_over_http',
        reason: `protocol upgrade (${req.headers.upgrade}) on a plain proxy request`,
        rule_hint: 'Open a CONNECT tunnel for WebSocket traffic.',
      });
    });
    http.on('clientError', (err: NodeJS.ErrnoException, sock: Socket) => {
      if (err.code === 'ECONNRESET' || !sock.writable) return sock.destroy();
      const r = parseRefusal(err.code, opts.maxHeaderBytes, opts.headerTimeoutMs);
      this.audit.write({ event: 'refused', conn: this.nextConn(), outcome: 'deny', by: 'proxy', rule: r.error, reason: r.reason });
      refuseSocket(sock, r);
    });
    this.https.push(http);
    return http;
  }

  nextConn(): number {
    return ++this.seq;
  }

  dial(ip: string, port: number, onread?: OnReadOpts): Socket {
    return this.opts.dialer(ip, port, onread);
  }

  // Remembers raw (CONNECT) client sockets so shutdown closes held and tunnelled connections too.
  track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  addLive(l: LiveConn): void {
    this.live.add(l);
  }

  removeLive(l: LiveConn): void {
    this.live.delete(l);
  }

  get liveCount(): number {
    return this.live.size;
  }

  refuseRaw(sock: Socket, conn: number, r: Refusal, host?: string, port?: number): void {
    this.audit.write({ event: 'refused', conn, scheme: 'connect', host, port, outcome: 'deny', by: 'proxy', rule: r.error, reason: r.reason });
    refuseSocket(sock, r);
  }

  refuseHttp = refuseResponse;

  // After a policy swap: every live connection is decided again; those no longer allowed are closed (and audited).
  recheck(): void {
    for (const l of [...this.live]) {
      const { decision } = this.admitter.evaluate(l.dest, [l.ip]);
      const denied = decision.verdict === 'deny' && !decision.audit;
      const unasked = decision.verdict === 'ask' && !l.operator && !this.opts.queue.grantFor(l.dest.host, l.dest.port);
      if (!denied && !unasked) continue;
      this.live.delete(l);
      this.audit.write({
        event: 'revoked', conn: l.conn, host: l.dest.host, port: l.dest.port, ip: l.ip, scheme: l.dest.scheme,
        verdict: decision.verdict, outcome: 'deny', by: 'policy', rule: decision.rule, reason: decision.reason,
      });
      l.kill();
    }
  }

  // Serves the proxy on host:port (port 0 = any free port); resolves with the bound address.
  listenTcp(host: string, port: number): Promise<AddressInfo> {
    const srv = this.createHttp();
    return this.listen(srv, () => srv.listen({ host, port, backlog: 1024 })).then(() => srv.address() as AddressInfo);
  }

  // Serves the proxy on a Unix socket any local uid may connect to (the sandbox user is another uid).
  // Returns the server: the relay's attributed connections (peer-socket.ts) are handed to it too.
  async listenUnix(path: string): Promise<Server> {
    rmSync(path, { force: true });
    const srv = this.createHttp();
    await this.listen(srv, () => srv.listen({ path, backlog: 1024 }));
    chmodSync(path, 0o666);
    return srv;
  }

  private listen(srv: Server, start: () => void): Promise<void> {
    this.servers.push(srv);
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.once('listening', () => {
        srv.off('error', reject);
        resolve();
      });
      start();
    });
  }

  // Stops listening and closes every client connection, held or tunnelled (fail closed).
  async close(): Promise<void> {
    this.unsubscribe();
    const closing = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const l of [...this.live]) l.kill();
    for (const s of this.sockets) s.destroy();
    for (const h of this.https) h.closeAllConnections();
    for (const stop of this.stopFastPaths) stop();
    this.inspector?.close();
    this.agent.destroy();
    this.upstreams.destroy();
    await closing;
    // Close lines are written from 'close' events: let them land before the audit log closes.
    const deadline = Date.now() + 2000;
    while ((this.live.size || this.sockets.size) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
}
