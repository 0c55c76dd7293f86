import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// A destination after the trick checks: a lower-case DNS name, or a canonical IP literal.
export type Target = { kind: 'name'; host: string } | { kind: 'ip'; host: string };

// Why a destination was refused before any policy lookup; `code` goes into the JSON body as `error`.
export interface HostProblem {
  code: string;
  reason: string;
  hint: string;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
// Every label made of digits / 0x-hex: what inet_aton (and WHATWG URL) would read as an IPv4 address.
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/i;

// IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses: an IPv4 target in disguise.
export const embedsIpv4 = (v6: string): boolean => {
  const a = ipaddr.IPv6.parse(v6);
  if (a.isIPv4MappedAddress()) return true;
  const p = a.parts;
  return p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1);
};

const problem = (code: string, reason: string, hint: string): HostProblem => ({ code, reason, hint });

// Reads "1.2.3.4", "0x7f.1", "017700000001", "2130706433"… the way inet_aton does; undefined if not numeric.
export const parseLegacyIpv4 = (s: string): string | undefined => {
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => !NUMERIC_LABEL.test(p))) return undefined;
  const nums = parts.map((p) => {
    if (/^0x/i.test(p)) return p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    if (p.length > 1 && p.startsWith('0')) return /^[0-7]+$/.test(p) ? parseInt(p, 8) : NaN;
    return parseInt(p, 10);
  });
  if (nums.some((n) => !Number.isFinite(n))) return undefined;
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return undefined;
  let value = last;
  nums.forEach((n, i) => (value += n * 256 ** (3 - i)));
  return [24, 16, 8, 0].map((sh) => Math.floor(value / 2 ** sh) % 256).join('.');
};

// Answers for hosts seen lately: a keep-alive client names the same host in every request line and Host header,
// and the checks below allocate (splits, regex matches) on every call. Bounded; results are never mutated.
const recent = new Map<string, Target | HostProblem>();
const RECENT_MAX = 1024;

// Normalizes a host from a CONNECT line, URL or Host header; refuses every ambiguous spelling instead of guessing.
export const checkHost = (raw: string): Target | HostProblem => {
  let r = recent.get(raw);
  if (r === undefined) {
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(raw, (r = checkHostOnce(raw)));
  }
  return r;
};

const checkHostOnce = (raw: string): Target | HostProblem => {
  if (raw.length === 0) return problem('bad_host', 'the request names no host', 'Name the destination host.');
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const v6 = raw.slice(1, -1).toLowerCase();
    if (isIP(v6) !== 6) return problem('bad_host', `"${raw}" is not a valid IPv6 address`, 'Use a valid host name.');
    if (embedsIpv4(v6)) {
      return problem(
        'ip_literal_mapped',
        `"${raw}" is an IPv4 address dressed as IPv6 (IPv4-mapped/compatible)`,
        'Connect by host name, or use the plain IPv4 form if an allowed_ips rule covers it.',
      );
    }
    return { kind: 'ip', host: v6 };
  }
  if (raw.endsWith('.')) {
    return problem('trailing_dot', `"${raw}" ends with a dot`, `Use "${raw.replace(/\.+$/, '')}" without the trailing dot.`);
  }
  const host = raw.toLowerCase();
  if (isIP(host) === 4) {
    // Canonical dotted quad only: no leading zeros (which some resolvers read as octal).
    if (host.split('.').some((p) => p.length > 1 && p.startsWith('0'))) {
      return problem('ip_literal_encoding', `"${raw}" is an IP literal with leading zeros (octal in some parsers)`, 'Write the address as a plain dotted quad, e.g. 10.0.0.1.');
    }
    return { kind: 'ip', host };
  }
  const legacy = parseLegacyIpv4(host);
  if (legacy !== undefined) {
    return problem(
      'ip_literal_encoding',
      `"${raw}" is the IP address ${legacy} in a non-standard encoding (decimal, octal, hex or short form)`,
      `Write it as ${legacy} if an allowed_ips rule should cover it.`,
    );
  }
  if (host.length > 253 || !host.split('.').every((l) => LABEL.test(l))) {
    return problem('bad_host', `"${raw}" is not a valid host name`, 'Use letters, digits, "-" and "." only.');
  }
  // A name whose last label is all digits would be read as an address by some clients.
  if (/^[0-9]+$/.test(host.split('.').at(-1)!) || /^0x[0-9a-f]+$/.test(host.split('.').at(-1)!)) {
    return problem('ip_literal_encoding', `"${raw}" looks like an IP address in a non-standard form`, 'Use a real host name.');
  }
  return { kind: 'name', host };
};

export const isHostProblem = (t: Target | HostProblem): t is HostProblem => 'code' in t;

// Splits "host:port" / "[v6]:port" (CONNECT targets, Host headers, URL authorities); port falls back to def.
export const splitHostPort = (authority: string, def?: number): { host: string; port: number } | undefined => {
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return undefined;
  const port = m[2] === undefined ? def : Number(m[2]);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
};
