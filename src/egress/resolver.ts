import { readFileSync, statSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { connect, isIP, type OnReadOpts, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';

// Name → addresses. Injectable so tests can point names at "private" or "public" addresses without DNS.
// `peek` (optional) answers at once when the addresses are already known (hosts file, cached DNS answer), so
// admission need not wait for a promise; undefined = ask the resolver itself.
export type Resolver = ((host: string) => Promise<string[]>) & { peek?: (host: string) => string[] | undefined };

// Opens the upstream TCP connection to the address the policy checked. Injectable for tests.
// `onread` (node's user-buffer read mode) lets tunnels read upstream data in large chunks; pass it through.
export type Dialer = (ip: string, port: number, onread?: OnReadOpts) => Socket;

// Parses /etc/hosts format: "address name [alias…]", # comments.
export const parseHosts = (text: string): Map<string, string[]> => {
  const map = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [addr, ...names] = line.split(/\s+/);
    if (!addr || !isIP(addr)) continue;
    for (const n of names) {
      const key = n.toLowerCase().replace(/\.$/, '');
      const list = map.get(key) ?? [];
      if (!list.includes(addr)) list.push(addr);
      map.set(key, list);
    }
  }
  return map;
};

// IPv4-mapped IPv6 from a resolver becomes the IPv4 address, so policy sees the real target.
export const canonicalIp = (ip: string): string => {
  if (isIP(ip) !== 6) return ip;
  const a = ipaddr.IPv6.parse(ip);
  return a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : a.toString();
};

// The hosts file (re-checked at most every 500 ms, re-read when it changed) first, then the system resolver,
// whose answers are cached briefly (getaddrinfo gives no TTL; each connection still pins the address it checked).
export const createResolver = (hostsFile: string, dns: Resolver = systemDns, dnsCacheMs = 30_000): Resolver => {
  let cache: { mtimeMs: number; size: number; map: Map<string, string[]> } | undefined;
  let checkedAt = -Infinity;
  const answers = new Map<string, { at: number; ips: string[] }>();
  const hosts = (): Map<string, string[]> => {
    const now = performance.now();
    if (cache && now - checkedAt < 500) return cache.map;
    checkedAt = now;
    try {
      const st = statSync(hostsFile);
      if (!cache || cache.mtimeMs !== st.mtimeMs || cache.size !== st.size) {
        cache = { mtimeMs: st.mtimeMs, size: st.size, map: parseHosts(readFileSync(hostsFile, 'utf8')) };
      }
      return cache.map;
    } catch {
      cache = undefined;
      return new Map();
    }
  };
  const peek = (host: string): string[] | undefined => {
    const fromFile = hosts().get(host);
    if (fromFile) return [...new Set(fromFile.map(canonicalIp))];
    const hit = answers.get(host);
    if (hit && performance.now() - hit.at < dnsCacheMs) return hit.ips;
    return undefined;
  };
  const resolve = async (host: string): Promise<string[]> => {
    const known = peek(host);
    if (known) return known;
    const ips = [...new Set((await dns(host)).map(canonicalIp))];
    if (answers.size >= 1024) answers.delete(answers.keys().next().value!);
    if (ips.length) answers.set(host, { at: performance.now(), ips });
    return ips;
  };
  return Object.assign(resolve, { peek });
};

// getaddrinfo through libuv's pool; every address, both families.
export const systemDns: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

// A plain TCP connect with Nagle off (proxied traffic is often small request/response).
export const tcpDialer: Dialer = (ip, port, onread) => connect({ host: ip, port, noDelay: true, ...(onread ? { onread } : {}) });
