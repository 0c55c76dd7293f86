import type { LiveView } from '../../src/daemon/live-snapshot.js';
import type { UiState } from '../app/ui-state.js';
import type { Theme } from '../theme/theme.js';
import { useTheme } from '../theme/theme-context.js';
import { Lines, type Line } from './lines.js';

// The second row: the result of the last key (flash), requests in flight, or the daemon's latest notice.
export const messageLine = (live: LiveView, ui: UiState, theme: Theme): Line => {
  const t = theme.tokens;
  const color = (l: 'info' | 'warn' | 'error') => (l === 'error' ? t.error : l === 'warn' ? t.warn : t.info);
  if (ui.flash) return [{ text: ui.flash.text, color: color(ui.flash.level), bold: ui.flash.level === 'error' }];
  const inflight = Object.values(ui.inflight);
  if (inflight.length) return [{ text: `${inflight.join(', ')}...`, color: t.muted }];
  if (live.connection.state === 'reconnecting') {
    return [{ text: `the daemon went away (${live.connection.error ?? 'closed'}); showing the last state, reconnecting...`, color: t.error }];
  }
  if (!live.snapshot) return [{ text: 'connecting to the daemon...', color: t.muted }];
  const n = live.snapshot.notices.at(-1);
  if (n) return [{ text: `${n.at.slice(11, 19)} `, color: t.muted }, { text: n.text, color: color(n.level) }];
  return [];
};

// Draws the message row.
export const MessageLine = ({ live, ui, width }: { live: LiveView; ui: UiState; width: number }) => {
  const theme = useTheme();
  return <Lines lines={[messageLine(live, ui, theme)]} width={width} height={1} />;
};
