import type { UiState } from '../app/ui-state.js';
import type { Scope } from './keymap.js';

// The scope chain a key is looked up in: overlay first, then the text entry, then the focused pane and global.
export const activeScopes = (ui: UiState): Scope[] => {
  if (ui.overlay) return [ui.overlay.kind, 'always'];
  if (ui.input) return ['chat.input', 'always'];
  return [ui.focus, 'global', 'always'];
};
