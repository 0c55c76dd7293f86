import { Box, Text } from 'ink';
import type { LiveView } from '../../src/daemon/live-snapshot.js';
import type { PaneId, UiState } from '../app/ui-state.js';
import { PANES } from '../app/ui-state.js';
import { useTheme } from '../theme/theme-context.js';
import { CHROME_ROWS, type LayoutPlan, type PaneBox, type Size } from './layout.js';
import { StatusBar } from './status-bar.js';
import { Footer } from './footer.js';
import { OverlayView } from './overlay.js';
import { MessageLine } from './message-line.js';
import { Lines, type Line } from './lines.js';
import { PaneView } from './pane-view.js';
import { selectSelectedApproval } from '../panes/approvals/selectors.js';

const TAB_NAMES: Record<PaneId, string> = { chat: 'Chat', meter: 'Meter', approvals: 'Approvals', policy: 'Policy' };

export interface ScreenProps {
  live: LiveView;
  ui: UiState;
  plan: LayoutPlan;
  size: Size;
  now: number;
}

// The whole frame for one terminal size: status bar, message line, tabs, panes (or an overlay), footer.
export const Screen = ({ live, ui, plan, size, now }: ScreenProps) => {
  const theme = useTheme();
  if (plan.kind === 'too-small') {
    return (
      <Box flexDirection="column" width={size.columns} height={size.rows}>
        <Text wrap="truncate-end">terminal too small</Text>
        <Text wrap="truncate-end">
          need {plan.need.columns}x{plan.need.rows}, have {size.columns}x{size.rows}
        </Text>
      </Box>
    );
  }
  const width = size.columns;
  const body = size.rows - CHROME_ROWS;
  const tabs: Line = PANES.flatMap((p, i) => [
    { text: ` ${i + 1} ${TAB_NAMES[p]}${p === 'approvals' && live.snapshot?.approvals.length ? ` (${live.snapshot.approvals.length})` : ''} `, inverse: p === ui.focus, bold: p === ui.focus, color: p === ui.focus ? theme.tokens.accent : theme.tokens.muted },
    { text: ' ' },
  ]);
  const renderBox = (b: PaneBox) => <PaneView key={b.pane} box={b} live={live} ui={ui} now={now} focused={b.pane === ui.focus || plan.kind === 'single'} />;
  return (
    <Box flexDirection="column" width={width} height={size.rows}>
      <StatusBar live={live} width={width} meterInStatus={plan.meterInStatus} />
      <MessageLine live={live} ui={ui} width={width} />
      {ui.overlay ? (
        <OverlayView ui={ui} snapshot={live.snapshot} now={now} width={width} height={body} />
      ) : (
        <Box flexDirection="column" height={body}>
          {plan.tabs ? <Lines lines={[tabs]} width={width} height={1} /> : null}
          <Box flexDirection="row">
            {plan.columns.map((col, i) => (
              <Box key={i} flexDirection="column">
                {col.map(renderBox)}
              </Box>
            ))}
          </Box>
        </Box>
      )}
      <Footer ui={ui} width={width} approval={ui.focus === 'approvals' && !ui.overlay ? selectSelectedApproval(live.snapshot, ui) : undefined} />
    </Box>
  );
};
