import ipaddr from 'ipaddr.js';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [Addr, number];

// Parses an address (IPv4-mapped IPv6 becomes the IPv4 it carries); undefined if it is not an IP.
export const parseAddress = (ip: string): Addr | undefined => {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const zone = bare.indexOf('%');
  const clean = zone >= 0 ? bare.slice(0, zone) : bare;
  if (!ipaddr.isValid(clean)) return undefined;
  try {
    return ipaddr.process(clean);
  } catch {
    return undefined;
  }
};

// Names the class of a non-public address (private, loopback, link-local incl. metadata, CGNAT, ULA, …), or null if public.
// Everything ipaddr.js does not call plain "unicast" is treated as restricted, NAT64/6to4/Teredo included.
export const restrictedClass = (addr: Addr): string | null => {
  const r = addr.range();
  if (r === 'unicast') return null;
  if (addr.kind() === 'ipv4' && addr.toString() === '169.254.169.254') return 'metadata';
  if (addr.kind() === 'ipv6' && addr.toString() === 'fd00:ec2::254') return 'metadata';
  return r;
};

// Parses an allowed_ips entry ("10.0.0.0/8" or a single address) into a CIDR; IPv4-mapped ranges become IPv4.
export const parseCidr = (s: string): Cidr | undefined => {
  try {
    if (!s.includes('/')) {
      const a = parseAddress(s);
      return a ? [a, a.kind() === 'ipv4' ? 32 : 128] : undefined;
    }
    const [a, bits] = ipaddr.parseCIDR(s);
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(a as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [a, bits];
  } catch {
    return undefined;
  }
};

// True when the address falls in one of the CIDRs (same family only).
export const inCidrs = (addr: Addr, cidrs: readonly Cidr[]): boolean => {
  for (const [net, bits] of cidrs) {
    if (net.kind() === addr.kind() && (addr as ipaddr.IPv4).match(net as ipaddr.IPv4, bits)) return true;
  }
  return false;
};
