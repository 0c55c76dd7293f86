import { memo, useMemo } from 'react';
import type { PolicyView } from '../../../src/protocol/snapshot.js';
import { PaneFrame, contentColumns, contentRows } from '../../layout/pane-frame.js';
import { useTheme } from '../../theme/theme-context.js';
import { parseEndpoints } from './endpoints.js';
import { policyLines } from './policy-lines.js';

export interface PolicyPaneProps {
  policy: PolicyView;
  rules: number;
  cursor: number;
  focused: boolean;
  width: number;
  height: number;
}

// The live policy file, highlighted, with its validation state and an endpoint cursor.
export const PolicyPane = memo(function PolicyPane(p: PolicyPaneProps) {
  const theme = useTheme();
  const endpoints = useMemo(() => parseEndpoints(p.policy.text), [p.policy.text]);
  const lines = policyLines({ ...p, endpoints, width: contentColumns(p.width), rows: contentRows(p.height), theme });
  const t = theme.tokens;
  const file = p.policy.file.split('/').pop() ?? p.policy.file;
  const info = [
    { text: file, color: t.muted },
    p.policy.valid
      ? { text: `  valid, ${p.rules} rules`, color: t.ok }
      : { text: `  ${p.policy.errors.length ? `INVALID (${p.policy.errors.length})` : p.policy.text ? 'not loaded' : 'none'}`, color: t.error, bold: true },
  ];
  return <PaneFrame title="Policy" info={info} focused={p.focused} width={p.width} height={p.height} lines={lines} />;
});
