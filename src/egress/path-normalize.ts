import { servletPath } from '../policy/path-readings.js';

// Request-path normalization for L7 rules: the path the policy checks is exactly the path sent upstream,
// so no encoding trick can make a rule see one path and the server another.

// What a refusal of a path this module rejects tells the client.
export const NORMALIZED_HINT = 'Send a normalized path (no encoded slashes or dot segments).';

export type NormalizedPath = { ok: true; path: string } | { ok: false; error: string; reason: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const HEX = /^[0-9A-Fa-f]{2}$/;

// Decodes %XX of unreserved characters (RFC 3986 §6.2.2.2), upper-cases other escapes, merges repeated
// slashes; refuses encoded slashes/backslashes, dot segments (plain or encoded), raw backslashes, control bytes.
// `allowEncodedSlash` (endpoint allow_encoded_slash: true): %2F is accepted and kept encoded, never turned into "/".
export const normalizePath = (raw: string, opts: { allowEncodedSlash?: boolean } = {}): NormalizedPath => {
  const bad = (error: string, reason: string): NormalizedPath => ({ ok: false, error, reason });
  if (!raw.startsWith('/')) return bad('bad_path', `request path "${raw.slice(0, 200)}" is not absolute`);
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return bad('bad_path', `invalid percent-escape "%${hex}" in the path`);
      const ch = String.fromCharCode(parseInt(hex, 16));
      if (ch === '/' && opts.allowEncodedSlash) {
        out += '%2F';
        i += 2;
        continue;
      }
      if (ch === '/' || ch === '\\') return bad('encoded_slash', `encoded ${ch === '/' ? 'slash (%2F)' : 'backslash (%5C)'} in the path is refused: servers disagree on what it means`);
      if (ch === '\0') return bad('bad_path', 'encoded NUL in the path');
      // %252e / %252f / %255c: a server that decodes twice would see a dot segment or a slash.
      if (ch === '%' && /^(2[eEfF]|5[cC])$/.test(raw.slice(i + 3, i + 5))) return bad('double_encoding', `double-encoded "%25${raw.slice(i + 3, i + 5)}" in the path is refused`);
      out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (c === '\\') {
      return bad('bad_path', 'backslash in the path is refused: some servers treat it as a slash');
    } else if (c.charCodeAt(0) < 0x21 || c.charCodeAt(0) === 0x7f) {
      return bad('bad_path', 'control character or space in the path');
    } else {
      out += c;
    }
  }
  out = out.replace(/\/{2,}/g, '/');
  // Kept %2F counts as a separator here: a server that decodes it must not find a dot segment either.
  // "..;x" is a dot segment to a servlet container (it drops ";params" first): refused like "..".
  for (const seg of out.split(/\/|%2F/)) {
    const bare = servletPath(seg);
    if (bare === '.' || bare === '..') return bad('dot_segment', `dot segment ("${seg}") in the path is refused: send the resolved path`);
  }
  return { ok: true, path: out };
};
