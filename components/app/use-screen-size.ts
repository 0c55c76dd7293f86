import { useWindowSize } from 'ink';
import type { Size } from '../layout/layout.js';

// The terminal size (re-rendering on resize), or a fixed size given by tests.
export const useScreenSize = (fixed?: Size): Size => {
  const win = useWindowSize();
  return fixed ?? { columns: win.columns || 80, rows: win.rows || 24 };
};
