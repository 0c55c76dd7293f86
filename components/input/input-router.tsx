import { useInput, type Key } from 'ink';
import { useRef } from 'react';
import { uiReducer, type UiAction, type UiState } from '../app/ui-state.js';
import { handlers, type CommandContext } from './commands.js';
import { resolveKey, type CommandId } from './keymap.js';
import { activeScopes } from './scopes.js';
import { isPrintable, keyName } from './key-name.js';

export interface InputRouterProps {
  ctx: Omit<CommandContext, 'ui' | 'dispatch'>;
  ui: UiState;
  dispatch: (a: UiAction) => void;
  onCommand?: ((command: string) => void) | undefined;
}

// The only useInput caller: key → scope chain → keymap entry → handler; text entry gets printable keys.
export const InputRouter = ({ ctx, ui, dispatch, onCommand }: InputRouterProps): null => {
  // The latest state for the handler, without re-subscribing stdin on every render.
  const latest = useRef({ ctx, ui });
  latest.current = { ctx, ui };
  // Several keys can arrive in one chunk (typing ahead, tmux send-keys): keep a synchronous mirror of the
  // state so the second key already sees what the first did (the reducer is pure, so both agree).
  const send = (a: UiAction): void => {
    latest.current.ui = uiReducer(latest.current.ui, a);
    dispatch(a);
  };
  const handle = (input: string, key: Key): void => {
    const { ctx: c, ui: u } = latest.current;
    const name = keyName(input, key);
    const binding = name ? resolveKey(name, activeScopes(u)) : undefined;
    if (binding) {
      if ('mutates' in binding && binding.mutates && u.readonly) {
        send({ type: 'flash', flash: { level: 'warn', text: `read-only view: "${binding.label}" is disabled` } });
        return;
      }
      if (u.flash) send({ type: 'flash', flash: null });
      onCommand?.(binding.command);
      handlers[binding.command as CommandId]({ ...c, ui: latest.current.ui, dispatch: send });
      return;
    }
    if (u.input && !u.overlay && isPrintable(input, key)) send({ type: 'insert-text', text: input });
  };
  useInput((input, key) => {
    const chars = [...input];
    if (chars.length <= 1 || key.ctrl || key.meta || key.escape) return handle(input, key);
    // Ink delivers a burst of characters (typing ahead, tmux send-keys, "text\r") as one string: replay it key
    // by key, so "ihello\r" enters the draft, types, then sends; runs of text go into the draft whole.
    let run = '';
    const flush = (): void => {
      if (run) send({ type: 'insert-text', text: run });
      run = '';
    };
    for (const ch of chars) {
      const typing = latest.current.ui.input && !latest.current.ui.overlay;
      if (ch === '\r') {
        flush();
        handle('', { ...key, return: true });
      } else if (ch === '\t') {
        flush();
        handle('', { ...key, tab: true });
      } else if (typing && ch !== '\n') {
        run += ch;
      } else {
        handle(ch, { ...key, shift: /[A-Z]/.test(ch) });
      }
    }
    flush();
  });
  return null;
};
