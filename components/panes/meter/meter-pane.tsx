import { memo } from 'react';
import type { Meter } from '../../../src/protocol/snapshot.js';
import { PaneFrame, contentColumns, contentRows } from '../../layout/pane-frame.js';
import { useTheme } from '../../theme/theme-context.js';
import { meterLines } from './meter-lines.js';

export interface MeterPaneProps {
  meter: Meter;
  mode: 'models' | 'calls';
  focused: boolean;
  width: number;
  height: number;
}

// Inference meter: tokens, rates, cost against budget, history, per-model rows; estimates marked "~".
export const MeterPane = memo(function MeterPane(p: MeterPaneProps) {
  const theme = useTheme();
  const lines = meterLines(p.meter, p.mode, contentColumns(p.width), contentRows(p.height), theme);
  const info = [{ text: p.mode === 'models' ? 'per model' : 'recent calls', color: theme.tokens.muted }];
  return <PaneFrame title="Meter" info={info} focused={p.focused} width={p.width} height={p.height} lines={lines} />;
});
