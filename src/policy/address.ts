import ipaddr from 'ipaddr.js';

// A parsed destination address: IPv4 as a 32-bit number (fast path), IPv6 through ipaddr.js.
export type Addr = { v4: number; v6: null } | { v4: null; v6: ipaddr.IPv6 };
export type Cidr = { v4: true; net: number; mask: number } | { v4: false; net: ipaddr.IPv6; bits: number };

// Strict dotted quad → uint32, or -1.
const parseV4 = (s: string, from = 0): number => {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (octet < 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = -1;
    } else if (c >= 48 && c <= 57) {
      octet = octet < 0 ? c - 48 : octet * 10 + (c - 48);
      if (octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || octet < 0) return -1;
  return value * 256 + octet;
};

const v6Cache = new Map<string, Addr | undefined>();

// Parses an address (IPv4-mapped IPv6 becomes the IPv4 it carries); undefined if it is not an IP.
export const parseAddress = (ip: string): Addr | undefined => {
  const v4 = parseV4(ip);
  if (v4 >= 0) return { v4, v6: null };
  if (ip.length > 7 && (ip.startsWith('::ffff:') || ip.startsWith('::FFFF:'))) {
    const mapped = parseV4(ip, 7);
    if (mapped >= 0) return { v4: mapped, v6: null };
  }
  const hit = v6Cache.get(ip);
  if (hit !== undefined || v6Cache.has(ip)) return hit;
  let out: Addr | undefined;
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const clean = bare.includes('%') ? bare.slice(0, bare.indexOf('%')) : bare;
  if (ipaddr.IPv6.isValid(clean)) {
    const a = ipaddr.IPv6.parse(clean);
    out = a.isIPv4MappedAddress() ? { v4: parseV4(a.toIPv4Address().toString()), v6: null } : { v4: null, v6: a };
  }
  if (v6Cache.size > 4096) v6Cache.clear();
  v6Cache.set(ip, out);
  return out;
};

const cidr4 = (a: number, b: number, c: number, d: number, bits: number): [number, number] => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [(((a << 24) | (b << 16) | (c << 8) | d) & mask) >>> 0, mask];
};

// Non-public IPv4 ranges (RFC 6890 special-purpose registry), most specific first.
const V4_RESTRICTED: Array<[number, number, string]> = [
  [...cidr4(169, 254, 169, 254, 32), 'metadata'],
  [...cidr4(255, 255, 255, 255, 32), 'broadcast'],
  [...cidr4(0, 0, 0, 0, 8), 'unspecified'],
  [...cidr4(10, 0, 0, 0, 8), 'private'],
  [...cidr4(100, 64, 0, 0, 10), 'carrierGradeNat'],
  [...cidr4(127, 0, 0, 0, 8), 'loopback'],
  [...cidr4(169, 254, 0, 0, 16), 'linkLocal'],
  [...cidr4(172, 16, 0, 0, 12), 'private'],
  [...cidr4(192, 0, 0, 0, 24), 'reserved'],
  [...cidr4(192, 0, 2, 0, 24), 'reserved'],
  [...cidr4(192, 88, 99, 0, 24), 'reserved'],
  [...cidr4(192, 168, 0, 0, 16), 'private'],
  [...cidr4(198, 18, 0, 0, 15), 'benchmarking'],
  [...cidr4(198, 51, 100, 0, 24), 'reserved'],
  [...cidr4(203, 0, 113, 0, 24), 'reserved'],
  [...cidr4(224, 0, 0, 0, 4), 'multicast'],
  [...cidr4(240, 0, 0, 0, 4), 'reserved'],
];

// Names the class of a non-public address (private, loopback, link-local, metadata, CGNAT, ULA, …), or null if public.
// For IPv6 everything ipaddr.js does not call plain "unicast" is restricted (NAT64, 6to4 and Teredo included).
export const restrictedClass = (addr: Addr): string | null => {
  if (addr.v6 === null) {
    for (const [net, mask, name] of V4_RESTRICTED) if (((addr.v4 & mask) >>> 0) === net) return name;
    return null;
  }
  const r = addr.v6.range();
  if (r === 'unicast') return null;
  if (addr.v6.toNormalizedString() === 'fd00:ec2:0:0:0:0:0:254') return 'metadata';
  return r;
};

// Parses an allowed_ips entry ("10.0.0.0/8" or a single address) into a CIDR; IPv4-mapped ranges become IPv4.
export const parseCidr = (s: string): Cidr | undefined => {
  try {
    const [addrText, bitsText] = s.includes('/') ? s.split('/') : [s, undefined];
    const a = parseAddress(addrText!);
    if (!a) return undefined;
    if (a.v6 === null) {
      let bits = bitsText === undefined ? 32 : Number(bitsText);
      if (bitsText !== undefined && addrText!.includes(':')) bits -= 96; // ::ffff:a.b.c.d/120
      if (!Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return { v4: true, net: (a.v4 & mask) >>> 0, mask };
    }
    const bits = bitsText === undefined ? 128 : Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > 128) return undefined;
    return { v4: false, net: a.v6, bits };
  } catch {
    return undefined;
  }
};

// True when the address falls in one of the CIDRs (same family only).
export const inCidrs = (addr: Addr, cidrs: readonly Cidr[]): boolean => {
  for (const c of cidrs) {
    if (c.v4) {
      if (addr.v6 === null && ((addr.v4 & c.mask) >>> 0) === c.net) return true;
    } else if (addr.v6 !== null && addr.v6.match(c.net, c.bits)) {
      return true;
    }
  }
  return false;
};
