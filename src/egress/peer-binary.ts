import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { PeerBinary } from '../policy/engine-types.js';

// Which executable opened a proxy connection, for network_policies.<name>.binaries[]. Only asked when the policy
// in force has binaries (PolicyEngine.usesBinaries), so connections pay nothing otherwise.
//   - loopback TCP (up --no-sandbox): the daemon finds the client's socket in /proc/net/tcp{,6}, the processes
//     holding it (/proc/<pid>/fd), and their /proc/<pid>/exe and parents.
//   - the sandbox's Unix sockets: only the relay's authenticated preamble (peer-socket.ts) says who it was;
//     anything else is "unknown".

const unknown = (why: string): PeerBinary => ({ exe: null, ancestors: [], why });

// The audit log's and queue's short form: the executable, or "unknown (why)".
export const peerLabel = (b: PeerBinary | null): string => (b?.exe ? b.exe : `unknown${b?.why ? ` (${b.why})` : ''}`);

// Sockets attributed by a trusted preamble (or found unknown) before the HTTP server saw them.
const preset = new WeakMap<Socket, PeerBinary>();
const cache = new WeakMap<Socket, Promise<PeerBinary>>();

// The relay's preamble decided this socket's binary (or that it is unknown).
export const setPeerBinary = (sock: Socket, b: PeerBinary): void => {
  preset.set(sock, b);
};

// The binary behind a client connection (cached per socket: keep-alive requests ask again).
export const peerBinaryOf = (sock: Socket): Promise<PeerBinary> => {
  const known = preset.get(sock);
  if (known) return Promise.resolve(known);
  let p = cache.get(sock);
  if (!p) {
    p = sock.remoteAddress === undefined || sock.remotePort === undefined
      ? Promise.resolve(unknown('sandbox connection without a relay preamble'))
      : tcpPeerBinary(sock.remoteAddress, sock.remotePort, sock.localAddress ?? '', sock.localPort ?? 0);
    cache.set(sock, p);
  }
  return p;
};

// /proc/net/tcp address "0100007F:1F90" (IPv4 word in host order; IPv6 as four such words) → "127.0.0.1", 8080.
export const decodeProcAddress = (hex: string): { ip: string; port: number } | null => {
  const [a, p] = hex.split(':');
  if (!a || !p) return null;
  const port = parseInt(p, 16);
  const bytes: number[] = [];
  for (let w = 0; w < a.length; w += 8) {
    const word = a.slice(w, w + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(word.slice(i, i + 2), 16));
  }
  if (bytes.length === 4) return { ip: bytes.join('.'), port };
  if (bytes.length !== 16) return null;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return { ip: bytes.slice(12).join('.'), port };
  return { ip: ipaddr.fromByteArray(bytes).toString(), port };
};

const normalizeIp = (ip: string): string => {
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return ip.toLowerCase();
  }
};

// The inode of the socket whose local end is (ip, port) and remote end (rip, rport), from the given tables.
export const findSocketInode = (tables: string[], ip: string, port: number, rip: string, rport: number): string | null => {
  const want = normalizeIp(ip);
  const wantR = normalizeIp(rip);
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const l = decodeProcAddress(f[1]!);
      const r = decodeProcAddress(f[2]!);
      if (!l || !r || l.port !== port || r.port !== rport) continue;
      if (normalizeIp(l.ip) !== want || (wantR && normalizeIp(r.ip) !== wantR)) continue;
      if (f[9] !== '0') return f[9]!;
    }
  }
  return null;
};

// /proc/<pid>/exe with the kernel's " (deleted)" suffix dropped; null when unreadable.
const exeOf = (pid: number): string | null => {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
};

const ppidOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
};

// The executables of a process's parents, nearest first, up to (not including) PID 1.
export const ancestorsOf = (pid: number): string[] => {
  const out: string[] = [];
  let cur = pid;
  for (let depth = 0; depth < 64; depth++) {
    const pp = ppidOf(cur);
    if (pp <= 1 || pp === cur) break;
    const exe = exeOf(pp);
    if (exe) out.push(exe);
    cur = pp;
  }
  return out;
};

// Every process holding socket:[inode] open, and whether some process could not be looked into.
export const socketOwners = (inode: string): { pids: number[]; unreadable: number } => {
  const target = `socket:[${inode}]`;
  const pids: number[] = [];
  let unreadable = 0;
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      unreadable++;
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) {
          pids.push(pid);
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return { pids, unreadable };
};

// One process holding the client's socket: its executable (null = unreadable) and its parents' executables.
export interface SocketOwner {
  exe: string | null;
  ancestors: string[];
}

// One identity for a socket: every holder must run the same executable, else it is ambiguous (unknown).
// Shared by the host lookup and the sandbox relay's preamble (which reports the owners it found).
export const identityOf = (owners: SocketOwner[]): PeerBinary => {
  let best: PeerBinary | undefined;
  for (const o of owners) {
    if (!o.exe) return unknown('the executable of the connecting process is not readable');
    if (best && best.exe !== o.exe) return unknown(`socket shared by processes running ${best.exe} and ${o.exe}`);
    // A forked holder sees its parent as an extra ancestor: the shortest chain grants the least.
    if (!best || o.ancestors.length < best.ancestors.length) best = { exe: o.exe, ancestors: o.ancestors };
  }
  return best ?? unknown('no process holds the connection');
};

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

// IPv4 pairs are found with one indexOf over /proc/net/tcp (it can hold thousands of lines on a busy host).
const v4Needle = (ip: string, port: number, rip: string, rport: number): string | null => {
  const enc = (a: string): string | null => {
    const m = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(a);
    return m ? [m[4], m[3], m[2], m[1]].map((x) => hex(Number(x), 2)).join('') : null;
  };
  const l = enc(ip);
  const r = enc(rip);
  return l && r ? `${l}:${hex(port, 4)} ${r}:${hex(rport, 4)}` : null;
};

const inodeAt = (table: string, idx: number): string | null => {
  const end = table.indexOf('\n', idx);
  const f = table.slice(table.lastIndexOf('\n', idx) + 1, end < 0 ? undefined : end).trim().split(/\s+/);
  return f[9] && f[9] !== '0' ? f[9] : null;
};

// Host mode: the process on this machine whose TCP socket (ip:port → proxy lip:lport) reached the proxy.
// The table is read off the event loop (the kernel walks every TCP socket to produce it); the fd scan is short.
export const tcpPeerBinary = async (ip: string, port: number, lip: string, lport: number): Promise<PeerBinary> => {
  try {
    let inode: string | null = null;
    const needle = v4Needle(ip, port, lip, lport);
    if (needle) {
      const table = await readFile('/proc/net/tcp', 'utf8');
      const at = table.indexOf(needle);
      if (at >= 0) inode = inodeAt(table, at);
    } else {
      const table = await readFile('/proc/net/tcp6', 'utf8').catch(() => '');
      inode = findSocketInode([table], ip, port, lip, lport);
    }
    if (!inode) return unknown(`no local socket ${ip}:${port} (not a process on this host?)`);
    const { pids, unreadable } = socketOwners(inode);
    if (!pids.length) return unknown(unreadable ? 'the connecting process belongs to another user (its /proc entries are unreadable)' : 'the connecting process has gone');
    return identityOf(pids.map((pid) => ({ exe: exeOf(pid), ancestors: ancestorsOf(pid) })));
  } catch (err) {
    return unknown(`attribution failed: ${(err as Error).message}`);
  }
};
