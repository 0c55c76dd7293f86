import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// The fast path for body-less keep-alive requests (GET/HEAD/OPTIONS/DELETE): the request head is written straight
// to a pooled upstream socket and the response framed by a small parser, skipping node's ClientRequest machinery.
// Anything else (bodies, Expect, odd framing) takes the general http.request path.

const LEAN_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);
const MAX_HEAD = 64 * 1024;
const MAX_LINE = 4096;
const POOL_PER_KEY = 64;
const POOL_IDLE_MS = 30_000;
const IN_USE = -1;
const EMPTY = Buffer.alloc(0);

// Whether a request can take the lean path.
export const leanEligible = (req: IncomingMessage): boolean =>
  LEAN_METHODS.has(req.method ?? '') &&
  req.headers['transfer-encoding'] === undefined &&
  (req.headers['content-length'] === undefined || req.headers['content-length'] === '0') &&
  req.headers.expect === undefined &&
  req.headers.upgrade === undefined;

// Idle upstream connections by pinned "ip:port" (never shared across addresses).
// A socket gets the pool's listeners once, the first time it is pooled; taking it and giving it back per request only
// flips its state (four listener adds/removes and a timer re-arm per request were a measurable part of a request's cost).
// One sweep timer closes sockets idle for longer than POOL_IDLE_MS.
export class UpstreamPool {
  private readonly idle = new Map<string, Socket[]>();
  // When each pooled socket went idle; IN_USE while a request has it.
  private readonly since = new WeakMap<Socket, number>();
  private sweeper: NodeJS.Timeout | undefined;

  take(key: string): Socket | undefined {
    const list = this.idle.get(key);
    while (list?.length) {
      const s = list.pop()!;
      this.since.set(s, IN_USE);
      if (!s.destroyed && s.readable && s.writable) {
        s.resume();
        return s;
      }
      s.destroy();
    }
    return undefined;
  }

  give(key: string, s: Socket): void {
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    if (list.length >= POOL_PER_KEY) return void s.destroy();
    if (!this.since.has(s)) {
      // Only while idle: a request in flight handles its socket's events itself.
      const drop = (): void => {
        if (this.since.get(s) === IN_USE) return;
        this.since.set(s, IN_USE);
        const l = this.idle.get(key);
        const i = l ? l.indexOf(s) : -1;
        if (i >= 0) l!.splice(i, 1);
        s.destroy();
      };
      s.on('close', drop);
      s.on('error', drop);
      // Bytes from an idle upstream are a protocol error: never hand that socket out again.
      s.on('data', drop);
    }
    this.since.set(s, Date.now());
    // Flowing while idle, so a close or stray bytes are seen at once.
    s.resume();
    list.push(s);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), POOL_IDLE_MS / 4);
      this.sweeper.unref();
    }
  }

  private sweep(): void {
    const old = Date.now() - POOL_IDLE_MS;
    for (const list of this.idle.values()) {
      for (const s of list.filter((x) => (this.since.get(x) ?? 0) <= old)) {
        list.splice(list.indexOf(s), 1);
        this.since.set(s, IN_USE);
        s.destroy();
      }
    }
  }

  destroy(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const list of this.idle.values()) for (const s of list) s.destroy();
    this.idle.clear();
  }
}

type Framing = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

interface Head {
  status: number;
  reason: string;
  raw: string[];
  framing: Framing;
  reusable: boolean;
}

const parseHead = (text: string, method: string): Head | undefined => {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!m) return undefined;
  const status = Number(m[2]);
  const raw: string[] = [];
  let te: string | undefined;
  let cl: string | undefined;
  let close = m[1] === '0';
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) return undefined;
    const k = l.slice(0, i).trim();
    const v = l.slice(i + 1).trim();
    const lk = k.toLowerCase();
    if (lk === 'transfer-encoding') te = v.toLowerCase();
    else if (lk === 'content-length') {
      if (cl !== undefined && cl !== v) return undefined;
      cl = v;
    } else if (lk === 'connection') {
      if (/\bclose\b/i.test(v)) close = true;
      continue;
    } else if (lk === 'keep-alive' || lk === 'proxy-connection' || lk === 'trailer' || lk === 'upgrade') continue;
    if (lk !== 'transfer-encoding') raw.push(k, v);
  }
  let framing: Framing;
  if (method === 'HEAD' || status === 204 || status === 304 || status < 200) framing = { kind: 'none' };
  else if (te !== undefined) {
    if (te !== 'chunked' || cl !== undefined) return undefined;
    framing = { kind: 'chunked' };
  } else if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) return undefined;
    framing = { kind: 'length', left: Number(cl) };
  } else framing = { kind: 'close' };
  return { status, reason: m[3] ?? '', raw, framing, reusable: !close && framing.kind !== 'close' };
};

// Streams a chunked body: emits payload bytes, reports when the last chunk and trailers are through.
class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-crlf' | 'trailer' = 'size';
  private left = 0;
  private line = '';
  done = false;

  constructor(private readonly emit: (b: Buffer) => void) {}

  // Returns the bytes after the end of the body (if the upstream sent more), or throws on bad framing.
  push(buf: Buffer): Buffer {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.state === 'data') {
        const n = Math.min(this.left, buf.length - i);
        this.emit(buf.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'data-crlf';
        continue;
      }
      const nl = buf.indexOf(0x0a, i);
      const end = nl === -1 ? buf.length : nl + 1;
      this.line += buf.toString('latin1', i, end);
      i = end;
      if (this.line.length > MAX_LINE) throw new Error('chunk line too long');
      if (nl === -1) break;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.state === 'size') {
        const m = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(line.trim());
        if (!m) throw new Error('bad chunk size');
        this.left = parseInt(m[1]!, 16);
        this.state = this.left === 0 ? 'trailer' : 'data';
      } else if (this.state === 'data-crlf') {
        if (line !== '') throw new Error('missing CRLF after chunk');
        this.state = 'size';
      } else if (line === '') this.done = true;
    }
    return buf.subarray(i);
  }
}

export interface LeanResult {
  bytesDown: number;
}

// Sends one body-less request on a pooled (or new) upstream socket and relays the response into `res`.
export const leanForward = (
  req: IncomingMessage,
  res: ServerResponse,
  o: { pool: UpstreamPool; key: string; dial: () => Socket; onSocket: (s: Socket) => void; head: string; onDone: (r: LeanResult) => void; onFail: (err: Error) => void },
): void => {
  const method = req.method!;
  let retried = false;
  const attempt = (sock: Socket, reused: boolean): void => {
    let buf: Buffer = EMPTY;
    o.onSocket(sock);
    let head: Head | undefined;
    let got = 0;
    let down = 0;
    let finished = false;
    let decoder: ChunkedDecoder | undefined;
    const cleanup = (): void => {
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', onError);
      sock.off('close', onEnd);
      res.off('close', onClientClose);
      res.off('drain', onDrain);
    };
    const finish = (reuse: boolean, rest?: Buffer): void => {
      if (finished) return;
      finished = true;
      cleanup();
      res.end();
      if (reuse && (!rest || rest.length === 0) && sock.readable) o.pool.give(o.key, sock);
      else sock.destroy();
      o.onDone({ bytesDown: down });
    };
    const fail = (err: Error): void => {
      if (finished) return;
      finished = true;
      cleanup();
      sock.destroy();
      // A pooled socket the server had closed: retry once on a fresh one (idempotent methods only reach here).
      if (reused && got === 0 && !retried) {
        retried = true;
        finished = false;
        return attempt(o.dial(), false);
      }
      if (res.headersSent) res.destroy();
      o.onFail(err);
    };
    const write = (b: Buffer): void => {
      down += b.length;
      if (!res.write(b)) sock.pause();
    };
    const onDrain = (): void => void sock.resume();
    const onClientClose = (): void => {
      if (!finished) {
        finished = true;
        cleanup();
        sock.destroy();
        o.onDone({ bytesDown: down });
      }
    };
    const body = (chunk: Buffer): void => {
      const f = head!.framing;
      if (f.kind === 'length') {
        const n = Math.min(f.left, chunk.length);
        if (n) write(chunk.subarray(0, n));
        f.left -= n;
        if (f.left === 0) finish(head!.reusable, chunk.subarray(n));
      } else if (f.kind === 'chunked') {
        try {
          const rest = decoder!.push(chunk);
          if (decoder!.done) finish(head!.reusable, rest);
        } catch (e) {
          finish(false);
          void e;
        }
      } else if (f.kind === 'close') {
        if (chunk.length) write(chunk);
      }
    };
    const onData = (c: Buffer): void => {
      got += c.length;
      if (head) return body(c);
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      for (;;) {
        const i = buf.indexOf('\r\n\r\n');
        if (i === -1) {
          if (buf.length > MAX_HEAD) fail(new Error('upstream response head too large'));
          return;
        }
        const h = parseHead(buf.toString('latin1', 0, i), method);
        if (!h) return fail(new Error('malformed upstream response'));
        buf = buf.subarray(i + 4);
        if (h.status < 200) continue; // 1xx interim responses are not relayed
        head = h;
        break;
      }
      res.writeHead(head.status, head.reason, head.raw);
      if (head.framing.kind === 'none') return finish(head.reusable, buf);
      if (head.framing.kind === 'chunked') decoder = new ChunkedDecoder(write);
      if (head.framing.kind === 'length' && head.framing.left === 0) return finish(head.reusable, buf);
      if (buf.length) body(buf);
    };
    const onEnd = (): void => {
      if (finished) return;
      if (head?.framing.kind === 'close') return finish(false);
      fail(new Error(head ? 'upstream closed mid-response' : 'upstream closed before responding'));
    };
    const onError = (e: Error): void => fail(e);
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('close', onEnd);
    sock.on('error', onError);
    res.on('close', onClientClose);
    res.on('drain', onDrain);
    sock.write(o.head);
  };
  const pooled = o.pool.take(o.key);
  attempt(pooled ?? o.dial(), pooled !== undefined);
};
