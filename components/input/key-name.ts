import type { Key } from 'ink';

// Turns Ink's (input, key) pair into the key names the keymap uses: "a", "A", "enter", "shift+tab", "ctrl+x".
export const keyName = (input: string, key: Key): string | null => {
  if (key.return) return key.meta ? 'alt+enter' : 'enter';
  if (input === '\n') return 'ctrl+j';
  if (key.escape) return 'escape';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  if ([...input].length === 1) return key.meta ? `alt+${input}` : input;
  return null;
};

// Text that a text-entry scope may insert: printable characters, including pasted runs and newlines.
export const isPrintable = (input: string, key: Key): boolean =>
  input.length > 0 && !key.ctrl && !key.meta && !key.escape && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(input);
