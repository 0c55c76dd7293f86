import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { ThemeProvider } from '../../components/theme/theme-context.js';
import { createTheme } from '../../components/theme/theme.js';

// The no-colour Unicode theme pane tests compare text against.
export const paneTheme = createTheme({ LANG: 'C.UTF-8', NO_COLOR: '1' });

// Renders one pane with ink-testing-library and returns its frame.
export const show = (node: ReactElement, theme = paneTheme): string =>
  render(<ThemeProvider value={theme}>{node}</ThemeProvider>).lastFrame() ?? '';
