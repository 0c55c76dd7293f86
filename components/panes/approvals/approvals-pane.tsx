import { memo } from 'react';
import type { ApprovalItem } from '../../../src/protocol/approvals.js';
import { PaneFrame, contentRows } from '../../layout/pane-frame.js';
import { useTheme } from '../../theme/theme-context.js';
import { approvalLines } from './approval-lines.js';

export interface ApprovalsPaneProps {
  items: ApprovalItem[];
  selectedId: string | undefined;
  inflight: Record<string, string>;
  readonly: boolean;
  now: number;
  focused: boolean;
  width: number;
  height: number;
}

// The hold-and-ask queue: what waits, for how long, how often it was tried, and why it looks risky.
export const ApprovalsPane = memo(function ApprovalsPane(p: ApprovalsPaneProps) {
  const theme = useTheme();
  const lines = approvalLines({ ...p, rows: contentRows(p.height), theme });
  const t = theme.tokens;
  const info = [
    { text: `${p.items.length} waiting`, color: p.items.length ? t.warn : t.muted, bold: p.items.length > 0 },
    ...(p.readonly ? [{ text: '  read-only', color: t.muted }] : []),
  ];
  return <PaneFrame title="Approvals" info={info} focused={p.focused} width={p.width} height={p.height} lines={lines} />;
});
