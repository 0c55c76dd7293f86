import { describe, it, expect, afterEach } from 'vitest';
import type { Key } from 'ink';
import { keymap, SCOPES, resolveKey, bindingsFor, type Scope } from '../../../components/input/keymap.js';
import { handlers } from '../../../components/input/commands.js';
import { activeScopes } from '../../../components/input/scopes.js';
import { keyName } from '../../../components/input/key-name.js';
import { initialUi, PANES, type UiState } from '../../../components/app/ui-state.js';
import { renderWithSnapshot, type TuiHarness } from '../../helpers/render-tui.js';
import { makeApproval, makePolicy, makeSnapshot } from '../../fixtures/snapshot.js';
import { waitFor } from '../../helpers/home.js';

const noKey: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

// A UI state in which `scope` is live (first in the chain unless it is a fallback scope).
const stateFor = (scope: Scope, focus: UiState['focus'] = 'meter'): Partial<UiState> => {
  switch (scope) {
    case 'chat.input':
      return { focus: 'chat', input: true };
    case 'help':
      return { overlay: { kind: 'help' } };
    case 'details':
      return { overlay: { kind: 'details', id: 'a1' } };
    case 'confirm':
      return { overlay: { kind: 'confirm', title: 't', body: [], action: { type: 'decide', id: 'a1', decision: { action: 'allow', scope: 'always' } }, choice: 'cancel' } };
    case 'review':
      return { overlay: { kind: 'review', text: 'version: 1\n', errors: [], diff: ['+x'] } };
    case 'chat':
    case 'meter':
    case 'approvals':
    case 'policy':
      return { focus: scope };
    default:
      return { focus };
  }
};

describe('keymap table', () => {
  it('gives every command a handler and a label', () => {
    for (const b of keymap) {
      expect(typeof handlers[b.command], b.command).toBe('function');
      expect(b.label.length, b.command).toBeGreaterThan(0);
      expect(b.keys.length, b.command).toBeGreaterThan(0);
    }
    expect(Object.keys(handlers).sort()).toEqual([...new Set(keymap.map((b) => b.command))].sort());
  });

  it('binds no key twice in one scope', () => {
    for (const scope of SCOPES) {
      const keys = bindingsFor(scope).flatMap((b) => b.keys);
      expect(keys.length, scope).toBe(new Set(keys).size);
    }
  });

  it('uses dotted command ids', () => {
    for (const b of keymap) expect(b.command).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
  });

  it('can reach every scope from some UI state', () => {
    for (const scope of SCOPES) {
      const ui = { ...initialUi(), ...stateFor(scope) };
      expect(activeScopes(ui), scope).toContain(scope);
    }
  });

  it('never lets a pane shadow a global key', () => {
    for (const pane of PANES) {
      for (const g of bindingsFor('global')) {
        for (const k of g.keys) expect(resolveKey(k, activeScopes({ ...initialUi(), focus: pane }))?.command, `${pane} ${k}`).toBe(g.command);
      }
    }
  });

  it('keeps global keys away from the chat text entry (typing "q" types q)', () => {
    const ui = { ...initialUi(), input: true };
    for (const g of bindingsFor('global')) {
      for (const k of g.keys) expect(resolveKey(k, activeScopes(ui))?.scope, k).not.toBe('global');
    }
  });

  it('names keys the way the table spells them', () => {
    expect(keyName('a', noKey)).toBe('a');
    expect(keyName('A', { ...noKey, shift: true })).toBe('A');
    expect(keyName('', { ...noKey, return: true })).toBe('enter');
    expect(keyName('', { ...noKey, return: true, meta: true })).toBe('alt+enter');
    expect(keyName('\n', noKey)).toBe('ctrl+j');
    expect(keyName('', { ...noKey, tab: true, shift: true })).toBe('shift+tab');
    expect(keyName('x', { ...noKey, ctrl: true })).toBe('ctrl+x');
    expect(keyName(' ', noKey)).toBe('space');
    expect(keyName('', { ...noKey, pageUp: true })).toBe('pageup');
    expect(keyName('ab', noKey)).toBeNull();
  });
});

let h: TuiHarness | undefined;
afterEach(() => h?.unmount());

const snapshot = makeSnapshot({ approvals: [makeApproval()], policy: makePolicy() });

describe('every key does what help says', () => {
  for (const b of keymap) {
    for (const k of b.keys) {
      it(`"${k}" in ${b.scope} runs ${b.command} (${b.label})`, async () => {
        const seen: string[] = [];
        h = renderWithSnapshot(snapshot, { size: { columns: 160, rows: 48 }, ui: stateFor(b.scope), onCommand: (c) => seen.push(c) });
        await h.waitFrame((f) => f.length > 0, 'first frame');
        h.press(k);
        await waitFor(() => seen.length > 0, `command for ${k}`);
        expect(seen[0]).toBe(b.command);
      });
    }
  }

  for (const focus of PANES) {
    it(`the help overlay in the ${focus} pane lists every live key with its label`, async () => {
      h = renderWithSnapshot(snapshot, { size: { columns: 160, rows: 48 }, ui: { focus } });
      await h.waitFrame((f) => f.length > 0, 'first frame');
      h.press('?');
      const f = await h.waitFrame((f) => f.includes('Keys'), 'help overlay');
      for (const scope of [focus, 'global'] as const) {
        for (const b of bindingsFor(scope)) expect(f, `${scope} ${b.command}`).toContain(b.label);
      }
    });
  }
});
