import type { PaneId, UiState } from '../app/ui-state.js';

export interface Size {
  columns: number;
  rows: number;
}

export interface PaneBox {
  pane: PaneId;
  width: number;
  height: number;
}

// Where every pane goes for a terminal size: one column of rows of boxes, plus fixed chrome lines.
export type LayoutPlan =
  | { kind: 'too-small'; need: Size }
  | { kind: 'default' | 'compact' | 'single'; columns: PaneBox[][]; tabs: boolean; meterInStatus: boolean };

// Below these the screen says "terminal too small" instead of drawing something broken.
export const MIN_FULL: Size = { columns: 60, rows: 16 };
export const MIN_SINGLE: Size = { columns: 40, rows: 10 };
export const DEFAULT_AT: Size = { columns: 120, rows: 35 };
// status bar + message line + footer
export const CHROME_ROWS = 3;

// Chooses default (≥120×35: chat, meter, approvals, policy), compact (chat + queue, tabs, meter in the
// status bar), or one pane (--view, zoom); pure so it is tested at every size without a terminal.
export const planLayout = (size: Size, ui: Pick<UiState, 'view' | 'zoom' | 'focus'>): LayoutPlan => {
  const single = ui.view !== null || ui.zoom;
  const min = ui.view ? MIN_SINGLE : MIN_FULL;
  if (size.columns < min.columns || size.rows < min.rows) return { kind: 'too-small', need: min };
  const width = size.columns;
  const body = size.rows - CHROME_ROWS;
  if (single) {
    const pane = ui.view ?? ui.focus;
    return { kind: 'single', columns: [[{ pane, width, height: body }]], tabs: false, meterInStatus: pane !== 'meter' };
  }
  if (size.columns >= DEFAULT_AT.columns && size.rows >= DEFAULT_AT.rows) {
    const chatW = Math.floor(width * 0.55);
    const sideW = width - chatW;
    const meterH = Math.max(10, Math.floor(body * 0.3));
    const apprH = Math.floor((body - meterH) / 2);
    const policyH = body - meterH - apprH;
    return {
      kind: 'default',
      columns: [
        [{ pane: 'chat', width: chatW, height: body }],
        [
          { pane: 'meter', width: sideW, height: meterH },
          { pane: 'approvals', width: sideW, height: apprH },
          { pane: 'policy', width: sideW, height: policyH },
        ],
      ],
      tabs: false,
      meterInStatus: false,
    };
  }
  const main = body - 1;
  if (ui.focus === 'meter' || ui.focus === 'policy') {
    return { kind: 'compact', columns: [[{ pane: ui.focus, width, height: main }]], tabs: true, meterInStatus: ui.focus !== 'meter' };
  }
  const apprH = Math.max(6, Math.floor(main * 0.4));
  return {
    kind: 'compact',
    columns: [[{ pane: 'chat', width, height: main - apprH }, { pane: 'approvals', width, height: apprH }]],
    tabs: true,
    meterInStatus: true,
  };
};
