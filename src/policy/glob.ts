// A `[...]` / `[!...]` class starting at glob[i] as a regexp class, and the index of its `]`; null when unclosed
// (the `[` is then literal). Shared by the path and binary globs.
export const classAt = (glob: string, i: number): { re: string; end: number } | null => {
  const end = glob.indexOf(']', i + 2);
  if (end < 0) return null;
  let body = glob.slice(i + 1, end);
  if (body.startsWith('!')) body = '^' + body.slice(1);
  return { re: '[' + body.replace(/\\/g, '\\\\') + ']', end };
};

// OpenShell's L7 path/query globs: `*` and `**` match any run of characters (crossing `/`), `?` one character,
// `[...]` / `[!...]` classes. Compiled once per rule.
export const globToRegExp = (glob: string): RegExp => {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      while (glob[i + 1] === '*') i++;
      re += '.*';
    } else if (c === '?') {
      re += '.';
    } else if (c === '[') {
      const k = classAt(glob, i);
      re += k ? k.re : '\\[';
      if (k) i = k.end;
    } else {
      re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
    }
  }
  return new RegExp(re + '$');
};

// HTTP methods each `access` preset allows (OpenShell's REST expansion).
export const ACCESS_METHODS: Record<'read-only' | 'read-write', ReadonlySet<string>> = {
  'read-only': new Set(['GET', 'HEAD', 'OPTIONS']),
  'read-write': new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']),
};
