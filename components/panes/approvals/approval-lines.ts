import type { ApprovalItem } from '../../../src/protocol/approvals.js';
import type { Theme } from '../../theme/theme.js';
import type { Line } from '../../layout/lines.js';
import { describeApproval, formatWait } from './selectors.js';

// Risk tags in words an operator reads at a glance.
const RISK_TEXT: Record<string, string> = {
  'ip-literal': 'IP literal',
  'private-address': 'private addr',
  'unusual-port': 'odd port',
  'new-domain': 'new domain',
  'plain-http': 'plain http',
};

export interface ApprovalLinesInput {
  items: ApprovalItem[];
  selectedId: string | undefined;
  inflight: Record<string, string>;
  focused: boolean;
  now: number;
  rows: number;
  theme: Theme;
}

// One row per waiting item (newest first): wait time, target, hits, risk; the selection scrolls into view.
export const approvalLines = (p: ApprovalLinesInput): Line[] => {
  const t = p.theme.tokens;
  if (p.items.length === 0) return [[{ text: 'nothing waiting', color: t.muted }]];
  const sel = Math.max(0, p.items.findIndex((i) => i.id === p.selectedId));
  const top = Math.max(0, Math.min(sel - Math.floor(p.rows / 2), p.items.length - p.rows));
  return p.items.slice(top, top + p.rows).map((i) => {
    const selected = i.id === p.selectedId;
    const wait = formatWait(p.now - Date.parse(i.created_at)).padStart(6);
    const deciding = p.inflight[`decide:${i.id}`] !== undefined;
    const risk = i.risk.map((r) => RISK_TEXT[r] ?? r).join(', ');
    return [
      { text: selected ? `${p.theme.glyphs.pointer} ` : '  ', color: t.accent, bold: true },
      { text: wait, color: t.warn },
      { text: ' ' },
      { text: describeApproval(i), bold: selected, inverse: selected && p.focused },
      { text: i.hits > 1 ? ` x${i.hits}` : '', color: t.muted },
      { text: risk ? `  ! ${risk}` : '', color: t.error },
      { text: deciding ? '  deciding...' : '', color: t.muted },
    ];
  });
};

// The details overlay body: every field the daemon knows about the item.
export const approvalDetails = (i: ApprovalItem, now: number, theme: Theme): Line[] => {
  const t = theme.tokens;
  const row = (k: string, v: string | number | null | undefined): Line[] =>
    v === null || v === undefined || v === '' ? [] : [[{ text: `${k.padEnd(14)}`, color: t.muted }, { text: String(v) }]];
  return [
    ...row('kind', i.kind),
    ...row('target', describeApproval(i)),
    ...row('waiting', formatWait(now - Date.parse(i.created_at))),
    ...row('hits', i.hits),
    ...row('scheme', i.scheme),
    ...row('ip', i.ip),
    ...row('method', i.method),
    ...row('path', i.path),
    ...row('binary', i.binary),
    ...row('body', typeof i.body_bytes === 'number' ? `${i.body_bytes} bytes` : null),
    ...row('command', i.command),
    ...row('cwd', i.cwd),
    ...row('session', i.session),
    ...row('closest rule', i.closest_rule),
    ...row('risk', i.risk.map((r) => RISK_TEXT[r] ?? r).join(', ')),
    ...row('cause', i.cause),
    ...row('expires', i.expires_at ? formatWait(Date.parse(i.expires_at) - now) : null),
  ];
};
