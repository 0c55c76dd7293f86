import { describe, it, expect } from 'vitest';
import { normalizePath } from '../../../src/egress/path-normalize.js';

describe('normalizePath', () => {
  it.each([
    ['/v1/models', '/v1/models'],
    ['/v1/%6Dodels', '/v1/models'],
    ['/%7Euser/%41-%5F.%2D', '/~user/A-_.-'],
    ['/a%20b', '/a%20b'],
    ['/a%3fb', '/a%3Fb'],
    ['//a///b/', '/a/b/'],
    ['/a/%2525/b', '/a/%2525/b'],
    ['/.well-known/x', '/.well-known/x'],
    ['/a/..b/c.', '/a/..b/c.'],
    ['/a;v=1/..x;/b', '/a;v=1/..x;/b'],
  ])('%s → %s', (raw, want) => {
    expect(normalizePath(raw)).toEqual({ ok: true, path: want });
  });

  it('allow_encoded_slash keeps %2F encoded (GitLab-style ids) and still refuses %5C and dot segments', () => {
    expect(normalizePath('/api/v4/projects/group%2fproject', { allowEncodedSlash: true })).toEqual({ ok: true, path: '/api/v4/projects/group%2Fproject' });
    expect(normalizePath('/a%5Cb', { allowEncodedSlash: true })).toMatchObject({ ok: false, error: 'encoded_slash' });
    expect(normalizePath('/a/%2e%2e%2Fb', { allowEncodedSlash: true })).toMatchObject({ ok: false, error: 'dot_segment' });
  });

  it.each([
    ['/a%2Fb', 'encoded_slash'],
    ['/a%2fb', 'encoded_slash'],
    ['/a%5Cb', 'encoded_slash'],
    ['/a/../b', 'dot_segment'],
    ['/a/./b', 'dot_segment'],
    ['/a/..', 'dot_segment'],
    ['/a/%2e%2e/b', 'dot_segment'],
    ['/a/.%2E/b', 'dot_segment'],
    ['/a/%2e/b', 'dot_segment'],
    ['/a/..;/admin', 'dot_segment'],
    ['/a/..;jsessionid=1/b', 'dot_segment'],
    ['/a/.;x/b', 'dot_segment'],
    ['/a\\..\\b', 'bad_path'],
    ['/a/%252e%252e/b', 'double_encoding'],
    ['/a%252Fb', 'double_encoding'],
    ['/a%zz', 'bad_path'],
    ['/a%2', 'bad_path'],
    ['/a%00', 'bad_path'],
    ['a/b', 'bad_path'],
    ['*', 'bad_path'],
  ])('%s is refused (%s)', (raw, error) => {
    const r = normalizePath(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe(error);
  });
});
