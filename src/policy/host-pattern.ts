import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';

// A host selector from an endpoint, after normalization and shape checks.
export type HostPattern =
  | { kind: 'exact'; host: string }
  // `*.rest` (one label), `**.rest` (one or more labels) or `ab*cd.rest` (one label matching a glob).
  | { kind: 'wildcard'; first: '*' | '**' | RegExp; firstText: string; rest: string[] };

// 0 = ASCII lowercase already, 1 = ASCII with capitals, 2 = non-ASCII (needs IDN → punycode).
const asciiKind = (s: string): 0 | 1 | 2 => {
  let kind: 0 | 1 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return 2;
    if (c >= 65 && c <= 90) kind = 1;
  }
  return kind;
};

// Canonical form of a host for matching: IP literals unbracketed, lowercase, no trailing dot, IDN as punycode.
export const normalizeHost = (raw: string): string => {
  let h = raw;
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const kind = asciiKind(h);
  if (kind === 0) return h;
  if (kind === 1) return h.toLowerCase();
  const ascii = domainToASCII(h);
  return ascii === '' ? h.toLowerCase() : ascii;
};

const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

// Normalizes one label that may hold `*` globs (the first label only) without breaking the stars.
const asciiLabel = (label: string): string => {
  if (!label.includes('*')) return normalizeHost(label);
  return label
    .split('*')
    .map((part) => (part === '' ? '' : normalizeHost(part)))
    .join('*');
};

// Parses an endpoint host into a pattern; returns an error sentence for rejected shapes (OpenShell's rules).
export const parseHostPattern = (raw: string): { ok: true; pattern: HostPattern } | { ok: false; message: string } => {
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, message: 'host is empty' };
  if (trimmed === '*' || trimmed === '**') {
    return { ok: false, message: `bare "${trimmed}" would match every host; name a domain like "*.example.com"` };
  }
  const noDot = trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
  if (isIP(noDot.replace(/^\[|\]$/g, ''))) return { ok: true, pattern: { kind: 'exact', host: normalizeHost(noDot) } };
  // A URL or host:port pasted as a host: say which field the rest belongs in.
  const withPort = /^(.*[^:]):(\d{1,5})$/.exec(noDot);
  if (withPort && !noDot.includes('/')) {
    return { ok: false, message: `host "${raw}" includes a port: write host: ${withPort[1]} and port: ${withPort[2]}` };
  }
  if (noDot.includes('/')) {
    return { ok: false, message: `host "${raw}" is a URL, not a host: write only the name (e.g. "example.com"), and a path under rules` };
  }
  const labels = noDot.split('.');
  if (labels.some((l) => l === '')) return { ok: false, message: `host "${raw}" has an empty label` };
  const [first, ...rest] = labels as [string, ...string[]];
  if (rest.some((l) => l.includes('*'))) {
    return { ok: false, message: `host "${raw}": wildcards are only allowed in the first label (e.g. "*.example.com")` };
  }
  const normRest = rest.map((l) => normalizeHost(l));
  for (const l of normRest) {
    if (!LABEL.test(l)) return { ok: false, message: `host "${raw}": "${l}" is not a valid DNS label` };
  }
  if (!first.includes('*')) {
    const f = normalizeHost(first);
    if (!LABEL.test(f)) return { ok: false, message: `host "${raw}": "${f}" is not a valid DNS label` };
    return { ok: true, pattern: { kind: 'exact', host: [f, ...normRest].join('.') } };
  }
  if (rest.length < 2) {
    return { ok: false, message: `host "${raw}": a wildcard over a top-level domain is not allowed; use "*.example.com"` };
  }
  if (first.includes('**') && first !== '**') {
    return { ok: false, message: `host "${raw}": "**" must be the whole first label` };
  }
  const firstNorm = asciiLabel(first);
  if (firstNorm === '*' || firstNorm === '**') {
    return { ok: true, pattern: { kind: 'wildcard', first: firstNorm, firstText: firstNorm, rest: normRest } };
  }
  if (!/^[a-z0-9_*-]+$/.test(firstNorm)) return { ok: false, message: `host "${raw}": "${first}" is not a valid label pattern` };
  const re = new RegExp('^' + firstNorm.split('*').map((p) => p.replace(/[-]/g, '\\-')).join('[a-z0-9_-]*') + '$');
  return { ok: true, pattern: { kind: 'wildcard', first: re, firstText: firstNorm, rest: normRest } };
};
