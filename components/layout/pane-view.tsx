import { useMemo } from 'react';
import type { LiveView } from '../../src/daemon/live-snapshot.js';
import type { UiState } from '../app/ui-state.js';
import { ChatPane } from '../panes/chat/chat-pane.js';
import { MeterPane } from '../panes/meter/meter-pane.js';
import { ApprovalsPane } from '../panes/approvals/approvals-pane.js';
import { PolicyPane } from '../panes/policy/policy-pane.js';
import { selectPendingApprovals, selectSelectedApproval } from '../panes/approvals/selectors.js';
import { PaneFrame } from './pane-frame.js';
import type { PaneBox } from './layout.js';

export interface PaneViewProps {
  box: PaneBox;
  live: LiveView;
  ui: UiState;
  now: number;
  focused: boolean;
}

// Picks the pane component for a box and hands it plain props selected from the snapshot.
export const PaneView = ({ box, live, ui, now, focused }: PaneViewProps) => {
  const s = live.snapshot;
  // Same array while the approvals part is unchanged, so the memoised pane can skip work.
  const items = useMemo(() => selectPendingApprovals(s), [s?.approvals]);
  const { width, height } = box;
  if (!s) {
    return <PaneFrame title={box.pane} focused={focused} width={width} height={height} lines={[[{ text: 'waiting for the daemon...' }]]} />;
  }
  switch (box.pane) {
    case 'chat':
      return <ChatPane chat={s.chat} draft={ui.draft} input={ui.input} scroll={ui.chatScroll} readonly={ui.readonly} focused={focused} width={width} height={height} />;
    case 'meter':
      return <MeterPane meter={s.meter} mode={ui.meterMode} focused={focused} width={width} height={height} />;
    case 'approvals':
      return (
        <ApprovalsPane
          items={items}
          selectedId={selectSelectedApproval(s, ui)?.id}
          inflight={ui.inflight}
          readonly={ui.readonly}
          now={now}
          focused={focused}
          width={width}
          height={height}
        />
      );
    case 'policy':
      return <PolicyPane policy={s.policy} rules={s.status.policy.rules} cursor={ui.policyCursor} focused={focused} width={width} height={height} />;
  }
};
