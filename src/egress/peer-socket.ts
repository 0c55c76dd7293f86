import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { PeerBinary } from '../policy/engine-types.js';
import { identityOf, setPeerBinary, type SocketOwner } from './peer-binary.js';

// The sandbox side of binaries[] attribution. The in-container relay looks up which process opened each
// 127.0.0.1:3128 connection and, only while the policy has binaries (the flag file below exists), connects to
// egress-peer.sock instead of egress.sock and writes one preamble line first:
//   CLAWDECK-PEER <relay token> {"owners":[{"exe":"/usr/bin/curl","ancestors":["/bin/bash"]}]}\n
// The token is per daemon start, given to the container's launcher in its environment; the launcher removes it
// from the agent's environment, and Landlock keeps the agent from reading the relay's or the launcher's memory
// and environ (docs/security.md). A connection with a wrong token or no preamble is attributed "unknown".

export const PEER_SOCKET = 'egress-peer.sock';
// Present while the policy in force has binaries[]: the relay attributes only then.
export const ATTRIBUTE_FLAG = 'egress-attribute';
const MAGIC = 'CLAWDECK-PEER ';
const MAX_PREAMBLE = 16 * 1024;

// A fresh relay token for this daemon start (state dir, 0600); the sandbox passes it to the container.
export const rotateRelayToken = (stateDir: string): string => {
  const dir = join(stateDir, 'sandbox');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const t = randomBytes(32).toString('base64url');
  writeFileAtomic.sync(join(dir, 'relay-token'), t + '\n', { mode: 0o600 });
  return t;
};

// The current relay token (created when egress has not rotated one yet, e.g. in tests of the sandbox alone).
export const relayToken = (stateDir: string): string => {
  const f = join(stateDir, 'sandbox', 'relay-token');
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : rotateRelayToken(stateDir);
};

const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

// Parses one preamble line; anything but a well-formed line with the right token is "unknown".
export const parsePreamble = (line: string, token: string): PeerBinary => {
  const unknown = (why: string): PeerBinary => ({ exe: null, ancestors: [], why });
  const rest = line.slice(MAGIC.length);
  const sp = rest.indexOf(' ');
  if (sp < 0 || !token || !sameToken(rest.slice(0, sp), token)) return unknown('untrusted relay preamble (wrong token)');
  try {
    const v = JSON.parse(rest.slice(sp + 1)) as { owners?: SocketOwner[]; why?: string };
    const owners = (v.owners ?? []).filter((o) => (o.exe === null || typeof o.exe === 'string') && Array.isArray(o.ancestors) && o.ancestors.every((a) => typeof a === 'string'));
    if (!owners.length) return unknown(typeof v.why === 'string' ? `relay: ${v.why}` : 'relay found no process for the connection');
    return identityOf(owners);
  } catch {
    return unknown('malformed relay preamble');
  }
};

// Serves egress-peer.sock: reads the preamble, records the binary for the socket, hands the rest to the proxy.
export const servePeerSocket = async (
  http: HttpServer,
  path: string,
  token: string,
  opts: { timeoutMs: number; onUntrusted?: (why: string) => void },
): Promise<NetServer> => {
  rmSync(path, { force: true });
  const sockets = new Set<Socket>();
  const srv = createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => sock.destroy(), opts.timeoutMs);
    timer.unref();
    const onData = (chunk: Buffer): void => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const starts = buf.subarray(0, MAGIC.length).toString('latin1');
      let binary: PeerBinary;
      let rest: Buffer;
      if (!MAGIC.startsWith(starts) && !starts.startsWith(MAGIC)) {
        binary = { exe: null, ancestors: [], why: 'no relay preamble' };
        rest = buf;
      } else {
        const nl = buf.indexOf(10);
        if (nl < 0) {
          if (buf.length > MAX_PREAMBLE) sock.destroy();
          return;
        }
        binary = parsePreamble(buf.subarray(0, nl).toString('utf8').replace(/\r$/, ''), token);
        rest = buf.subarray(nl + 1);
      }
      clearTimeout(timer);
      sock.off('data', onData);
      sock.pause();
      if (binary.exe === null && binary.why?.startsWith('untrusted')) opts.onUntrusted?.(binary.why);
      setPeerBinary(sock, binary);
      sockets.delete(sock);
      if (rest.length) sock.unshift(rest);
      http.emit('connection', sock);
      sock.resume();
    };
    sock.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ path, backlog: 1024 }, () => {
      srv.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o666);
  const close = srv.close.bind(srv);
  // Closing also drops connections still waiting for their preamble (the rest belong to the proxy by then).
  srv.close = (cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  return srv;
};

// Keeps the flag file in step with the policy: present only while some rule has binaries[].
export const syncAttributeFlag = (dir: string, on: boolean): void => {
  const f = join(dir, ATTRIBUTE_FLAG);
  if (on) {
    if (!existsSync(f)) writeFileSync(f, 'binaries[] in force: attribute egress connections\n', { mode: 0o644 });
  } else rmSync(f, { force: true });
};
