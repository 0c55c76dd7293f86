import { describe, it, expect } from 'vitest';
import { planLayout, CHROME_ROWS } from '../../../components/layout/layout.js';
import { initialUi, type PaneId } from '../../../components/app/ui-state.js';

const ui = initialUi();
const panesOf = (p: ReturnType<typeof planLayout>): PaneId[] => (p.kind === 'too-small' ? [] : p.columns.flat().map((b) => b.pane));

describe('planLayout', () => {
  it.each([
    [160, 48],
    [120, 35],
    [200, 60],
  ])('uses the four-pane layout at %ix%i and fills the screen exactly', (columns, rows) => {
    const p = planLayout({ columns, rows }, ui);
    expect(p.kind).toBe('default');
    if (p.kind === 'too-small') return;
    expect(panesOf(p)).toEqual(['chat', 'meter', 'approvals', 'policy']);
    expect(p.columns.reduce((w, col) => w + col[0]!.width, 0)).toBe(columns);
    for (const col of p.columns) expect(col.reduce((h, b) => h + b.height, 0)).toBe(rows - CHROME_ROWS);
    expect(p.columns[0]![0]!.width).toBeGreaterThan(p.columns[1]![0]!.width);
  });

  it.each([
    [80, 24],
    [119, 40],
    [160, 34],
  ])('uses the compact layout at %ix%i: chat + queue, tabs, meter in the status bar', (columns, rows) => {
    const p = planLayout({ columns, rows }, ui);
    expect(p).toMatchObject({ kind: 'compact', tabs: true, meterInStatus: true });
    expect(panesOf(p)).toEqual(['chat', 'approvals']);
    if (p.kind !== 'too-small') expect(p.columns[0]!.reduce((h, b) => h + b.height, 0)).toBe(rows - CHROME_ROWS - 1);
  });

  it('shows the focused meter or policy pane alone in the compact layout', () => {
    expect(panesOf(planLayout({ columns: 80, rows: 24 }, { ...ui, focus: 'policy' }))).toEqual(['policy']);
    expect(planLayout({ columns: 80, rows: 24 }, { ...ui, focus: 'meter' })).toMatchObject({ meterInStatus: false });
  });

  it('zooms the focused pane to the whole body', () => {
    expect(panesOf(planLayout({ columns: 160, rows: 48 }, { ...ui, zoom: true, focus: 'approvals' }))).toEqual(['approvals']);
  });

  it.each([
    [59, 24],
    [80, 15],
  ])('is too small at %ix%i and says what it needs', (columns, rows) => {
    expect(planLayout({ columns, rows }, ui)).toEqual({ kind: 'too-small', need: { columns: 60, rows: 16 } });
  });

  it('lets a single --view pane work in a smaller tmux split', () => {
    expect(planLayout({ columns: 40, rows: 10 }, { ...ui, view: 'approvals' }).kind).toBe('single');
    expect(planLayout({ columns: 39, rows: 10 }, { ...ui, view: 'approvals' }).kind).toBe('too-small');
  });
});
