import type { LiveView } from '../../src/daemon/live-snapshot.js';
import type { Snapshot } from '../../src/protocol/snapshot.js';
import type { Theme } from '../theme/theme.js';
import { useTheme } from '../theme/theme-context.js';
import { Lines, lineText, type Line, type Segment } from './lines.js';
import { formatCost, meterSummary } from '../panes/meter/meter-lines.js';

const connectionSegment = (live: LiveView, t: Theme['tokens']): Segment => {
  const c = live.connection;
  if (c.state === 'connected') return { text: 'daemon ok', color: t.ok };
  if (c.state === 'reconnecting') return { text: `daemon lost, reconnecting (try ${c.attempt})`, color: t.error, bold: true };
  if (c.state === 'closed') return { text: 'detached', color: t.muted };
  return { text: c.attempt > 1 ? `connecting (try ${c.attempt})` : 'connecting', color: t.warn };
};

const modelOf = (s: Snapshot): string =>
  s.meter.active[0]?.model ??
  s.meter.recent[0]?.model ??
  s.status.inference.providers.find((p) => p.name === s.status.inference.default_provider)?.models[0] ??
  s.status.inference.default_provider;

// Room for the build/start detail; the rest of the line (enforcement, model, budget) follows it.
const DETAIL_MAX = 80;

type Enforcement = Snapshot['status']['enforcement'];

// One badge per layer: "landlock+" proven, "seccomp!" failed, "proxy-" not applicable.
const badges = (layers: Enforcement, t: Theme['tokens']): Segment[] =>
  layers.map((e) => ({
    text: ` ${e.layer}${e.state === 'proven' ? '+' : e.state === 'failed' ? '!' : '-'}`,
    color: e.state === 'proven' ? t.ok : e.state === 'failed' ? t.error : t.muted,
  }));

// The same facts in a few cells, for narrow terminals: "proven 9/9", or "proven 7/9 !seccomp !landlock".
const badgeSummary = (layers: Enforcement, t: Theme['tokens']): Segment[] => {
  const applicable = layers.filter((e) => e.state !== 'n/a');
  // No layer applies (no sandbox): the sandbox state already says so.
  if (!applicable.length) return [];
  const proven = applicable.filter((e) => e.state === 'proven').length;
  const failed = applicable.filter((e) => e.state === 'failed');
  return [
    { text: ` proven ${proven}/${applicable.length}`, color: failed.length ? t.error : proven === applicable.length ? t.ok : t.warn, bold: failed.length > 0 },
    ...failed.map((e) => ({ text: ` !${e.layer}`, color: t.error })),
  ];
};

// The one-line summary across the top: connection, pending count, sandbox, proven enforcement, meter (when no
// meter pane is shown), budget, model. When it does not fit, the badges collapse to a summary first, so
// the meter and model stay visible on an 80-column terminal.
export const statusLine = (live: LiveView, theme: Theme, meterInStatus: boolean, width = Infinity): Line => {
  const t = theme.tokens;
  const sep: Segment = { text: ` ${theme.glyphs.sep} `, color: t.border };
  const s = live.snapshot;
  const out: Line = [{ text: 'clawdeck ', bold: true, color: t.accent }, connectionSegment(live, t)];
  if (!s) return out;
  const n = s.approvals.length;
  out.push(sep, { text: `${n} pending`, color: n ? t.warn : t.muted, bold: n > 0, inverse: n > 0 && !theme.color });
  const sb = s.status.sandbox.state;
  out.push(sep, { text: `sandbox ${sb}`, color: sb === 'running' ? t.ok : sb === 'failed' ? t.error : sb === 'disabled' ? t.muted : t.warn });
  // Build and start progress (image build steps, container start) while the operator waits for it.
  // ("building: step 7/19 …" reads "sandbox building: step 7/19 …", not "building: building:")
  const detail = s.status.sandbox.detail?.replace(/^(building|starting):\s*/, '');
  if ((sb === 'building' || sb === 'starting') && detail) out.push({ text: `: ${detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX - 1)}${theme.glyphs.ellipsis}` : detail}`, color: t.warn });
  const tail: Line = [];
  if (meterInStatus) tail.push(sep, { text: meterSummary(s.meter), color: t.muted });
  if (s.meter.budget.cost_cap !== null) {
    const c = s.meter.budget.state === 'ok' ? t.ok : s.meter.budget.state === 'warn' ? t.warn : t.error;
    tail.push(sep, { text: `${formatCost(s.meter.totals.today.cost)}/${formatCost(s.meter.budget.cost_cap)}`, color: c });
  }
  tail.push(sep, { text: modelOf(s), color: t.text });
  const full = [...out, ...badges(s.status.enforcement, t), ...tail];
  if (lineText(full).length <= width) return full;
  // Narrow: badges become a summary and the brand goes; what still does not fit is the model name, last,
  // shortened with an ellipsis so a cut name reads as cut (or dropped with its separator when hardly any room is left).
  const narrow = [...out.slice(1), ...badgeSummary(s.status.enforcement, t), ...tail];
  const over = lineText(narrow).length - width;
  if (over <= 0) return narrow;
  const model = narrow.at(-1)!;
  const keep = model.text.length - over - 1;
  return keep >= 4 ? [...narrow.slice(0, -1), { ...model, text: `${model.text.slice(0, keep)}${theme.glyphs.ellipsis}` }] : narrow.slice(0, -2);
};

// Draws the status line at full width.
export const StatusBar = ({ live, width, meterInStatus }: { live: LiveView; width: number; meterInStatus: boolean }) => {
  const theme = useTheme();
  return <Lines lines={[statusLine(live, theme, meterInStatus, width)]} width={width} height={1} />;
};
