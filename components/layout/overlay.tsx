import type { Snapshot } from '../../src/protocol/snapshot.js';
import type { Overlay, UiState } from '../app/ui-state.js';
import type { Theme } from '../theme/theme.js';
import { useTheme } from '../theme/theme-context.js';
import { approvalDetails } from '../panes/approvals/approval-lines.js';
import { HelpOverlay } from './help-overlay.js';
import { PaneFrame } from './pane-frame.js';
import type { Line } from './lines.js';

// The confirm dialog: the question, then two buttons with the focused one marked (safe "cancel" first).
export const confirmLines = (o: Extract<Overlay, { kind: 'confirm' }>, theme: Theme): Line[] => {
  const t = theme.tokens;
  const button = (label: string, on: boolean) => ({
    text: on ? `[> ${label} <]` : `[  ${label}  ]`,
    inverse: on,
    bold: on,
    color: on ? t.accent : t.muted,
  });
  return [
    ...o.body.map((b): Line => [{ text: b }]),
    [],
    [button('cancel', o.choice === 'cancel'), { text: '   ' }, button('confirm', o.choice === 'confirm')],
    [],
    [{ text: 'Enter chooses, Tab switches, y confirms, Esc cancels', color: t.muted }],
  ];
};

// After $EDITOR: errors with line:col (not applicable), or the diff that applying would make.
export const reviewLines = (o: Extract<Overlay, { kind: 'review' }>, theme: Theme): Line[] => {
  const t = theme.tokens;
  if (o.errors.length) {
    return [
      [{ text: `not applied: ${o.errors.length} error(s) in the edited policy`, color: t.error, bold: true }],
      ...o.errors.map((e): Line => [{ text: `${e.line}:${e.col} `, color: t.error, bold: true }, { text: e.message }]),
      [],
      [{ text: 'e edits again, Esc discards', color: t.muted }],
    ];
  }
  if (o.diff.length === 0) return [[{ text: 'no changes' }], [{ text: 'Esc closes', color: t.muted }]];
  return [
    [{ text: 'apply these changes? y applies, e edits again, Esc discards', bold: true }],
    ...o.diff.map((d): Line => [{ text: d, color: d.startsWith('+') ? t.diffAdd : d.startsWith('-') ? t.diffDel : d.startsWith('@') ? t.info : t.muted }]),
  ];
};

// Draws whichever overlay is open in place of the panes.
export const OverlayView = ({ ui, snapshot, now, width, height }: { ui: UiState; snapshot: Snapshot | null; now: number; width: number; height: number }) => {
  const theme = useTheme();
  const o = ui.overlay;
  if (!o) return null;
  if (o.kind === 'help') return <HelpOverlay ui={ui} width={width} height={height} />;
  if (o.kind === 'confirm') return <PaneFrame title={o.title} focused width={width} height={height} lines={confirmLines(o, theme)} />;
  if (o.kind === 'review') return <PaneFrame title="Policy edit" focused width={width} height={height} lines={reviewLines(o, theme)} />;
  const item = snapshot?.approvals.find((a) => a.id === o.id);
  const lines: Line[] = item ? approvalDetails(item, now, theme) : [[{ text: 'decided elsewhere; no longer waiting', color: theme.tokens.muted }]];
  return <PaneFrame title="Approval details" info={[{ text: 'Esc closes', color: theme.tokens.muted }]} focused width={width} height={height} lines={lines} />;
};
