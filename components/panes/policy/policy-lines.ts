import type { PolicyView } from '../../../src/protocol/snapshot.js';
import type { Theme } from '../../theme/theme.js';
import type { Line, Segment } from '../../layout/lines.js';
import type { PolicyEndpoint } from './endpoints.js';

// Colours one YAML line: comments, keys, list dashes, values (no full parse: it must work on broken files).
export const highlightYaml = (line: string, theme: Theme): Segment[] => {
  const t = theme.tokens;
  const m = /^(\s*)(- )?([^\s#:][^:#]*?:)(\s|$)(.*)$/.exec(line);
  const comment = (s: string): Segment[] => {
    const i = s.search(/(^|\s)#/);
    if (i < 0) return s ? [{ text: s, color: t.yamlValue }] : [];
    return [...(i > 0 ? [{ text: s.slice(0, i), color: t.yamlValue }] : []), { text: s.slice(i), color: t.yamlComment, dim: true }];
  };
  if (/^\s*#/.test(line)) return [{ text: line, color: t.yamlComment, dim: true }];
  if (!m) {
    const d = /^(\s*)(- )(.*)$/.exec(line);
    if (d) return [{ text: d[1]! }, { text: d[2]!, color: t.accent }, ...comment(d[3]!)];
    return comment(line);
  }
  return [
    { text: m[1]! },
    ...(m[2] ? [{ text: m[2], color: t.accent }] : []),
    { text: m[3]!, color: t.yamlKey },
    { text: m[4]! },
    ...comment(m[5]!),
  ];
};

export interface PolicyLinesInput {
  policy: PolicyView;
  endpoints: PolicyEndpoint[];
  cursor: number;
  focused: boolean;
  width: number;
  rows: number;
  theme: Theme;
}

// The validation state, then the file with line numbers, highlighted, scrolled so the cursor endpoint shows.
export const policyLines = (p: PolicyLinesInput): Line[] => {
  const t = p.theme.tokens;
  const head: Line[] = [];
  if (!p.policy.text) head.push([{ text: `no policy file yet (${p.policy.file})`, color: t.muted }]);
  for (const e of p.policy.errors.slice(0, 3)) {
    const w = e.where?.[0];
    head.push([
      { text: w ? `${w.line}:${w.col} ` : '', color: t.error, bold: true },
      { text: e.message, color: t.error },
    ]);
  }
  if (p.policy.notice) head.push([{ text: p.policy.notice, color: t.info }]);
  const text = p.policy.text ? p.policy.text.replace(/\n$/, '').split('\n') : [];
  const rows = Math.max(0, p.rows - head.length);
  const ep = p.endpoints[Math.min(p.cursor, p.endpoints.length - 1)];
  const focusLine = ep ? ep.line - 1 : 0;
  const top = Math.max(0, Math.min(focusLine - Math.floor(rows / 3), text.length - rows));
  const numW = String(text.length).length;
  const endpointAt = new Map(p.endpoints.map((e) => [e.line - 1, e]));
  const body: Line[] = text.slice(top, top + rows).map((l, k) => {
    const n = top + k;
    const here = ep !== undefined && n === focusLine;
    const e = endpointAt.get(n);
    return [
      { text: here ? p.theme.glyphs.pointer : ' ', color: t.accent, bold: true },
      { text: `${String(n + 1).padStart(numW)} `, color: t.muted, dim: true },
      ...(here && p.focused ? highlightYaml(l, p.theme).map((s) => ({ ...s, inverse: true })) : highlightYaml(l, p.theme)),
      ...(e && !e.enabled ? [{ text: '  (disabled)', color: t.warn }] : []),
    ];
  });
  return [...head, ...body].slice(0, p.rows);
};
