import type { Server } from 'node:http';
import type { Socket } from 'node:net';

// The CONNECT fast path. A tunnel's setup is dominated by per-connection work, and most of node's http machinery
// (llhttp parser, IncomingMessage, connection tracking) only exists here to read one line and one Host header. So the
// proxy's http.Server hands every new connection to takeOverConnections first: when the first chunk is one complete,
// canonical `CONNECT host:port HTTP/1.1` head with only plain headers, the tunnel starts from it directly; anything
// else (fragmented heads, unusual spellings, bodies, framing headers, non-ASCII…) is put back and given to node's
// own connection listener unchanged, so llhttp stays the parser of record for everything odd (size limit, header
// timeout, smuggling refusals).

// A CONNECT head the fast path accepts: the request target, the Host header if any, and the bytes after the head.
export interface SimpleConnect {
  target: string;
  host: string | undefined;
  rest: Buffer;
}

const MAX_FAST_HEAD = 4096;
const MAX_FAST_HEADERS = 32;
const PREFIX = 'CONNECT ';
const SUFFIX = ' HTTP/1.1';
// An authority: a name, IPv4 or [IPv6] and a port. Anything else is for llhttp (and the checks behind it) to judge.
const TARGET = /^[A-Za-z0-9._:[\]-]+$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Anything but printable ASCII and space: tabs, bare CR/LF (CRLF pairs are split off first), control and 8-bit bytes.
const UNUSUAL = /[^\x20-\x7e]/;
// Headers that change framing or meaning: a CONNECT carrying them goes through llhttp.
const SLOW_HEADERS = new Set(['content-length', 'transfer-encoding', 'expect', 'upgrade']);

// Reads one complete, canonical CONNECT head from the start of `chunk`; undefined = let node's parser handle it.
// Header lines are `name: value` (one optional space after the colon, none before or at the end, none inside the name).
export const parseSimpleConnect = (chunk: Buffer, maxHeaderBytes: number): SimpleConnect | undefined => {
  // "C" and the space after "CONNECT": a cheap reject of every plain-HTTP request before any string is made.
  if (chunk.length < 24 || chunk[0] !== 0x43 || chunk[7] !== 0x20) return undefined;
  // Only a head that fits both limits can be found in this window.
  const text = chunk.toString('latin1', 0, Math.min(chunk.length, MAX_FAST_HEAD, maxHeaderBytes));
  if (!text.startsWith(PREFIX)) return undefined;
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const lines = text.slice(0, end).split('\r\n');
  if (lines.length - 1 > MAX_FAST_HEADERS) return undefined;
  const first = lines[0]!;
  if (!first.endsWith(SUFFIX)) return undefined;
  const target = first.slice(PREFIX.length, first.length - SUFFIX.length);
  if (!TARGET.test(target)) return undefined;
  let host: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (UNUSUAL.test(line)) return undefined;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
    if (!value || value.charCodeAt(0) === 0x20 || value.charCodeAt(value.length - 1) === 0x20 || !TOKEN.test(name)) return undefined;
    const lower = name.toLowerCase();
    if (SLOW_HEADERS.has(lower)) return undefined;
    if (lower === 'host') {
      if (host !== undefined) return undefined;
      host = value;
    }
  }
  return { target, host, rest: chunk.subarray(end + 4) };
};

type ConnectionListener = (this: Server, socket: Socket) => void;

const TIMEOUT_CODE = 'ERR_HTTP_REQUEST_TIMEOUT';

// Installs the fast path on a proxy http.Server: `onConnect` gets the simple CONNECTs, node the rest.
// Until its first bytes arrive a connection is node's in all but name: the header timeout (counted from accept, as
// node does for a silent client) ends it through the server's own 'clientError' handler. Returns a stop function
// that ends the sweep and destroys connections still waiting for their first bytes.
export const takeOverConnections = (
  http: Server,
  opts: { maxHeaderBytes: number; headerTimeoutMs: number; checkEveryMs: number },
  onConnect: (c: SimpleConnect, socket: Socket) => void,
): (() => void) => {
  const nodeListeners = http.listeners('connection') as ConnectionListener[];
  http.removeAllListeners('connection');
  // Accepted connections with no byte yet: when they were accepted, and how to stop listening for their first bytes.
  const waiting = new Map<Socket, { at: number; detach: () => void }>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = (): void => {
    const expired = performance.now() - opts.headerTimeoutMs;
    for (const [sock, w] of waiting) {
      if (w.at > expired) continue;
      waiting.delete(sock);
      w.detach();
      if (!http.emit('clientError', Object.assign(new Error('request headers timed out'), { code: TIMEOUT_CODE }), sock)) sock.destroy();
    }
  };
  const toNode = (sock: Socket, chunk: Buffer): void => {
    sock.pause();
    sock.unshift(chunk);
    for (const l of nodeListeners) l.call(http, sock);
    sock.resume();
  };
  http.on('connection', (sock: Socket) => {
    const detach = (): void => {
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', onError);
    };
    const onError = (): void => {
      waiting.delete(sock);
      sock.destroy();
    };
    // Closed before sending anything: there is no request to answer.
    const onEnd = onError;
    const onData = (chunk: Buffer): void => {
      waiting.delete(sock);
      detach();
      const c = parseSimpleConnect(chunk, opts.maxHeaderBytes);
      if (c) onConnect(c, sock);
      else toNode(sock, chunk);
    };
    sock.on('error', onError);
    sock.on('end', onEnd);
    sock.on('data', onData);
    waiting.set(sock, { at: performance.now(), detach });
    if (opts.headerTimeoutMs > 0) sweeper ??= setInterval(sweep, opts.checkEveryMs).unref();
  });
  return () => {
    clearInterval(sweeper);
    sweeper = undefined;
    for (const sock of waiting.keys()) sock.destroy();
    waiting.clear();
  };
};
