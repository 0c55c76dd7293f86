import { describe, it, expect, afterEach } from 'vitest';
import { renderWithSnapshot, type TuiHarness } from '../../helpers/render-tui.js';
import { makeApproval, makePolicy, makeSnapshot } from '../../fixtures/snapshot.js';

let h: TuiHarness | undefined;
afterEach(() => h?.unmount());

const lines = (f: string): string[] => f.replace(/\n$/, '').split('\n');

describe('App layouts', () => {
  it('draws the default four-pane layout at 160x48 within the screen', async () => {
    h = renderWithSnapshot(makeSnapshot({ policy: makePolicy() }), { size: { columns: 160, rows: 48 } });
    const f = await h.waitFrame((f) => f.includes('Policy'), 'policy pane');
    for (const title of ['Chat', 'Meter', 'Approvals', 'Policy']) expect(f).toContain(title);
    expect(lines(f).length).toBeLessThanOrEqual(48);
    expect(Math.max(...lines(f).map((l) => [...l].length))).toBeLessThanOrEqual(160);
  });

  it('draws the compact layout at 80x24: tabs, chat and queue, meter in the status bar', async () => {
    h = renderWithSnapshot(makeSnapshot(), { size: { columns: 80, rows: 24 } });
    const f = await h.waitFrame((f) => f.includes('Approvals'), 'compact frame');
    expect(f).toContain('1 Chat');
    expect(f).toMatch(/0 in 0 out 0 t\/s/);
    expect(f).not.toContain('Meter  per model');
    expect(lines(f).length).toBeLessThanOrEqual(24);
    expect(Math.max(...lines(f).map((l) => [...l].length))).toBeLessThanOrEqual(80);
  });

  it('says the terminal is too small, with the size it needs', async () => {
    h = renderWithSnapshot(makeSnapshot(), { size: { columns: 50, rows: 12 } });
    await h.waitFrame((f) => f.includes('terminal too small') && f.includes('need 60x16'), 'too small');
  });

  it('redraws on resize: too small, then compact, then default', async () => {
    h = renderWithSnapshot(makeSnapshot(), { size: { columns: 50, rows: 12 } });
    await h.waitFrame((f) => f.includes('terminal too small'), 'too small');
    h.resize(80, 24);
    await h.waitFrame((f) => f.includes('1 Chat') && !f.includes('too small'), 'compact after resize');
    h.resize(160, 48);
    await h.waitFrame((f) => f.includes('Meter') && !f.includes('1 Chat'), 'default after resize');
  });

  it('shows one pane full-screen with --view', async () => {
    h = renderWithSnapshot(makeSnapshot({ approvals: [makeApproval()] }), { view: 'approvals', size: { columns: 80, rows: 24 } });
    const f = await h.waitFrame((f) => f.includes('api.github.com:443'), 'approvals view');
    expect(f).not.toContain('Chat');
    expect(f).not.toContain('1 Chat');
  });
});
