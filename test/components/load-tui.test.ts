import { describe, it, expect } from 'vitest';
import { inkRedirect } from '../../components/load-tui.js';

// The rule both the console's resolve hook and the bundler follow for Ink's imports.
describe('inkRedirect', () => {
  const ink = 'file:///x/node_modules/ink/build/ink.js';
  it('replaces Ink 8 screen buffer and its es-toolkit barrel, for Ink only', () => {
    expect(inkRedirect('./output.js', ink, () => true)).toBe('fast-output');
    expect(inkRedirect('./output.js', ink, () => false)).toBeNull();
    expect(inkRedirect('es-toolkit/compat', ink, () => true)).toBe('throttle');
    expect(inkRedirect('./output.js', 'file:///x/components/app.js', () => true)).toBeNull();
    expect(inkRedirect('es-toolkit/compat', undefined, () => true)).toBeNull();
    expect(inkRedirect('./render.js', ink, () => true)).toBeNull();
  });

  it('asks for the Ink version only for an import made by Ink', () => {
    let asked = 0;
    inkRedirect('./output.js', 'file:///x/components/app.js', () => (asked++, true));
    expect(asked).toBe(0);
  });
});
