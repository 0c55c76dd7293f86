import { createContext, useContext } from 'react';
import { createTheme, type Theme } from './theme.js';

const ThemeContext = createContext<Theme>(createTheme({ LANG: 'C.UTF-8' }));

// Provides the theme chosen at attach time to every pane.
export const ThemeProvider = ThemeContext.Provider;

// Reads the current theme (tokens + glyphs).
export const useTheme = (): Theme => useContext(ThemeContext);
