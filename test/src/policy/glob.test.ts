import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../../src/policy/glob.js';

// OpenShell path globs: * and ** match any run of characters (crossing /), ? one character, [..] classes.
const rows: Array<[string, string, boolean]> = [
  ['/**', '/anything/at/all', true],
  ['/bot*/**', '/bot123/getUpdates', true],
  ['/bot*/**', '/other/x', false],
  ['/repos/*/pulls/*/reviews', '/repos/a/b/pulls/1/reviews', true],
  ['/v?/items', '/v1/items', true],
  ['/v?/items', '/v10/items', false],
  ['/v[0-9]/x', '/v7/x', true],
  ['/v[!0]/x', '/v0/x', false],
  ['/a.b', '/a.b', true],
  ['/a.b', '/aXb', false],
  ['/(x)+', '/(x)+', true],
  ['git-*', 'git-upload-pack', true],
];

describe('globToRegExp', () => {
  it.each(rows)('%s against %s → %s', (glob, value, want) => expect(globToRegExp(glob).test(value)).toBe(want));
});
