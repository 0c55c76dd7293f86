import type { PeerBinary } from './engine-types.js';
import { classAt } from './glob.js';

// One network_policies entry's `binaries[]`, compiled: exact paths in a set, globs as regexps.
export interface BinaryMatcher {
  exact: ReadonlySet<string>;
  globs: RegExp[];
  // As written, for refusal messages ("allowed: /usr/bin/git, /usr/bin/gh").
  paths: string[];
}

// OpenShell's binary globs (OPA glob.match with "/" as the delimiter): `*` and `?` stay inside one path
// segment, `**` crosses segments, `[...]` / `[!...]` classes, `{a,b}` alternatives.
export const binaryGlobToRegExp = (glob: string): RegExp => {
  let re = '^';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        while (glob[i + 1] === '*') i++;
        re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const k = classAt(glob, i);
      re += k ? k.re : '\\[';
      if (k) i = k.end;
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  if (braces > 0) return new RegExp('^' + glob.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '$');
  return new RegExp(re + '$');
};

const isGlob = (p: string): boolean => /[*?[{]/.test(p);

// Compiles an entry's binaries; null when it has none (the entry then applies to every binary).
export const compileBinaries = (list: ReadonlyArray<{ path: string }> | undefined): BinaryMatcher | null => {
  if (!list?.length) return null;
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const { path } of list) {
    if (isGlob(path)) globs.push(binaryGlobToRegExp(path));
    else exact.add(path);
  }
  return { exact, globs, paths: list.map((b) => b.path) };
};

const matchesPath = (m: BinaryMatcher, p: string): boolean => {
  if (m.exact.has(p)) return true;
  for (const g of m.globs) if (g.test(p)) return true;
  return false;
};

// OpenShell's rule: the executable (/proc/<pid>/exe, symlinks resolved) or any ancestor's executable is listed.
// An unknown binary (not attributable, or an untrusted sandbox connection) matches no list.
export const binaryAllowed = (m: BinaryMatcher, b: PeerBinary | null | undefined): boolean => {
  if (!b || b.exe === null) return false;
  if (matchesPath(m, b.exe)) return true;
  for (const a of b.ancestors) if (matchesPath(m, a)) return true;
  return false;
};

// "/usr/bin/curl (via /usr/bin/bash)" or "unknown (why)": the binary as refusals and the queue show it.
export const describeBinary = (b: PeerBinary | null | undefined): string => {
  if (!b || b.exe === null) return `unknown${b?.why ? ` (${b.why})` : ''}`;
  return b.ancestors.length ? `${b.exe} (ancestors: ${b.ancestors.join(' <- ')})` : b.exe;
};
