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
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
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
