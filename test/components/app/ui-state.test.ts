import { describe, it, expect } from 'vitest';
import { initialUi, uiReducer, type UiAction, type UiState } from '../../../components/app/ui-state.js';

const run = (s: UiState, ...as: UiAction[]): UiState => as.reduce(uiReducer, s);

describe('ui-state reducer', () => {
  it('cycles focus forwards and backwards through the four panes', () => {
    const s = initialUi();
    expect(run(s, { type: 'focus-step', delta: 1 }).focus).toBe('meter');
    expect(run(s, { type: 'focus-step', delta: -1 }).focus).toBe('policy');
    expect(run(s, ...Array(4).fill({ type: 'focus-step', delta: 1 })).focus).toBe('chat');
  });

  it('keeps a --view pinned: focus and zoom do not move', () => {
    const s = initialUi({ view: 'approvals' });
    expect(s.focus).toBe('approvals');
    expect(run(s, { type: 'focus-pane', pane: 'chat' }, { type: 'focus-step', delta: 1 }, { type: 'toggle-zoom' })).toEqual(s);
  });

  it('enters text entry on the chat pane, but never in a read-only view', () => {
    expect(run(initialUi({}), { type: 'focus-pane', pane: 'policy' }, { type: 'enter-input' })).toMatchObject({ focus: 'chat', input: true });
    expect(run(initialUi({ readonly: true }), { type: 'enter-input' }).input).toBe(false);
  });

  it('edits the draft: inserts (normalising CR), deletes one character, clears', () => {
    const s = run(initialUi(), { type: 'insert-text', text: 'héllo\r\nx' }, { type: 'delete-char' });
    expect(s.draft).toBe('héllo\n');
    expect(run(s, { type: 'clear-draft' }).draft).toBe('');
  });

  it('never scrolls the chat below the newest line', () => {
    expect(run(initialUi(), { type: 'scroll-chat', delta: 3 }, { type: 'scroll-chat', delta: -10 }).chatScroll).toBe(0);
  });

  it('toggles the confirm choice only when a confirm is open', () => {
    const open = run(initialUi(), {
      type: 'open-overlay',
      overlay: { kind: 'confirm', title: 't', body: [], action: { type: 'endpoint.delete', rule: 'x' }, choice: 'cancel' },
    });
    expect(run(open, { type: 'toggle-choice' }).overlay).toMatchObject({ choice: 'confirm' });
    expect(run(initialUi(), { type: 'toggle-choice' })).toEqual(initialUi());
  });

  it('tracks requests in flight and shows the result flash when one ends', () => {
    const s = run(initialUi(), { type: 'request-start', key: 'k', label: 'deciding' });
    expect(s.inflight).toEqual({ k: 'deciding' });
    const e = run(s, { type: 'request-end', key: 'k', flash: { level: 'error', text: 'nope' } });
    expect(e.inflight).toEqual({});
    expect(e.flash).toEqual({ level: 'error', text: 'nope' });
  });

  it('opening an overlay leaves text entry', () => {
    expect(run(initialUi(), { type: 'enter-input' }, { type: 'open-overlay', overlay: { kind: 'help' } }).input).toBe(false);
  });
});
