import type { Meter } from '../../../src/protocol/snapshot.js';
import type { Theme } from '../../theme/theme.js';
import type { Line } from '../../layout/lines.js';

// 1234 → "1.2k"; keeps meter columns narrow.
export const formatTokens = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : `${Math.round(n)}`;

// Dollars with cents, or four decimals under a cent (per-call costs are small).
export const formatCost = (n: number): string => (n > 0 && n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);

// A fixed-width bar for a 0..1 fraction.
export const bar = (fraction: number, width: number, theme: Theme): string => {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return theme.glyphs.barFull.repeat(full) + theme.glyphs.barEmpty.repeat(Math.max(0, width - full));
};

// The last `width` history samples as a sparkline scaled to their maximum.
export const sparkline = (values: number[], width: number, theme: Theme): string => {
  const vs = values.slice(-Math.max(0, width));
  const max = Math.max(0, ...vs);
  const g = theme.glyphs.spark;
  return vs.map((v) => (max <= 0 ? g[0] : g[Math.min(g.length - 1, Math.floor((v / max) * (g.length - 1)))])).join('');
};

// Live figures across active calls: tokens/s summed, TTFT of the newest call that has one.
export const liveRates = (m: Meter): { tps: number; ttft: number | null; estimated: boolean } => {
  const tps = m.active.reduce((s, c) => s + (c.tokens_per_s ?? 0), 0);
  const withTtft = [...m.active, ...m.recent].find((c) => c.ttft_ms !== null);
  const estimated = m.active.some((c) => c.estimated) || m.per_model.some((r) => r.estimated);
  return { tps, ttft: withTtft?.ttft_ms ?? null, estimated };
};

// One status-bar fragment for layouts without a meter pane.
export const meterSummary = (m: Meter): string => {
  const { tps } = liveRates(m);
  const t = m.totals.session;
  const est = m.per_model.some((r) => r.estimated) ? '~' : '';
  return `${est}${formatTokens(t.tokens_in)} in ${est}${formatTokens(t.tokens_out)} out ${tps.toFixed(0)} t/s ${formatCost(m.totals.today.cost)}`;
};

// The meter body: totals, rates, budget bar, sparkline, then per-model rows (or recent calls).
export const meterLines = (m: Meter, mode: 'models' | 'calls', width: number, rows: number, theme: Theme): Line[] => {
  const t = theme.tokens;
  const { tps, ttft, estimated } = liveRates(m);
  const est = (e: boolean): string => (e ? '~' : ' ');
  const s = m.totals.session;
  const d = m.totals.today;
  const lines: Line[] = [
    [
      { text: 'tokens ', color: t.muted },
      { text: `in ${formatTokens(s.tokens_in)}  out ${formatTokens(s.tokens_out)}`, bold: true },
      { text: '   ' },
      { text: `${tps.toFixed(1)} tok/s`, color: m.active.length ? t.ok : t.muted },
      { text: `   TTFT ${ttft === null ? '-' : `${Math.round(ttft)} ms`}`, color: t.muted },
    ],
  ];
  const cap = m.budget.cost_cap;
  const frac = m.budget.used_fraction ?? (cap ? d.cost / cap : null);
  const budgetColor = m.budget.state === 'blocked' ? t.error : m.budget.state === 'warn' ? t.warn : t.ok;
  const barW = Math.max(5, Math.min(20, width - 40));
  lines.push([
    { text: 'cost   ', color: t.muted },
    { text: `today ${formatCost(d.cost)}` },
    ...(cap !== null
      ? [
          { text: ` / ${formatCost(cap)} ` },
          { text: bar(frac ?? 0, barW, theme), color: budgetColor },
          { text: ` ${Math.round((frac ?? 0) * 100)}%`, color: budgetColor },
        ]
      : [{ text: '  (no budget)', color: t.muted }]),
    ...(m.budget.state !== 'ok' ? [{ text: ` ${m.budget.state.toUpperCase()}`, color: budgetColor, bold: true }] : []),
    { text: `  session ${formatCost(s.cost)}`, color: t.muted },
  ]);
  if (m.budget.state !== 'ok' && m.budget.reason) lines.push([{ text: m.budget.reason, color: budgetColor, bold: true }]);
  lines.push([{ text: 'tok/s  ', color: t.muted }, { text: sparkline(m.history, width - 7, theme), color: t.accent }]);
  if (mode === 'models') {
    const nameW = Math.max(8, width - 30);
    lines.push([{ text: `${'model'.padEnd(nameW)} ${'in'.padStart(7)} ${'out'.padStart(7)} ${'cost'.padStart(9)}`, color: t.muted, bold: true }]);
    for (const r of m.per_model) {
      const name = r.model.length > nameW ? `${r.model.slice(0, nameW - 1)}${theme.glyphs.ellipsis}` : r.model;
      lines.push([
        { text: `${name.padEnd(nameW)} ` },
        { text: `${est(r.estimated)}${formatTokens(r.tokens_in).padStart(6)} ${est(r.estimated)}${formatTokens(r.tokens_out).padStart(6)} ${formatCost(r.cost).padStart(9)}` },
      ]);
    }
    if (m.per_model.length === 0) lines.push([{ text: 'no inference calls yet', color: t.muted }]);
  } else {
    for (const c of [...m.active, ...m.recent].slice(0, Math.max(0, rows - 3))) {
      lines.push([
        { text: c.status === 'streaming' ? `${theme.glyphs.dot} ` : '  ', color: t.ok },
        { text: `${c.model} ` },
        { text: `${est(c.estimated)}${formatTokens(c.tokens_in)}/${formatTokens(c.tokens_out)} ${c.tokens_per_s?.toFixed(0) ?? '-'} t/s ${c.status}`, color: c.status === 'error' ? t.error : t.muted },
      ]);
    }
    if (m.active.length + m.recent.length === 0) lines.push([{ text: 'no inference calls yet', color: t.muted }]);
  }
  if (estimated) lines.push([{ text: '~ estimated (provider sent no usage)', color: t.warn, dim: true }]);
  return lines.slice(0, rows);
};
