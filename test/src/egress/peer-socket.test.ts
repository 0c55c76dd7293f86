import { describe, expect, it } from 'vitest';
import { parsePreamble } from '../../../src/egress/peer-socket.js';

describe('the relay preamble', () => {
  const T = 'a'.repeat(43);
  const line = (tok: string, body: unknown) => `CLAWDECK-PEER ${tok} ${JSON.stringify(body)}`;

  it('is trusted with the right token', () => {
    expect(parsePreamble(line(T, { owners: [{ exe: '/opt/node/bin/node', ancestors: [] }] }), T)).toEqual({ exe: '/opt/node/bin/node', ancestors: [] });
  });

  it('is unknown with a wrong, short or empty token, bad JSON, or no owners', () => {
    expect(parsePreamble(line('b'.repeat(43), { owners: [{ exe: '/x', ancestors: [] }] }), T).why).toMatch(/wrong token/);
    expect(parsePreamble(line('a', { owners: [{ exe: '/x', ancestors: [] }] }), T).exe).toBeNull();
    expect(parsePreamble(line('', { owners: [{ exe: '/x', ancestors: [] }] }), '').exe).toBeNull();
    expect(parsePreamble(`CLAWDECK-PEER ${T} {nope`, T).why).toBe('malformed relay preamble');
    expect(parsePreamble(line(T, { owners: [], why: 'no /proc/net/tcp entry' }), T).why).toBe('relay: no /proc/net/tcp entry');
    expect(parsePreamble(line(T, { owners: [{ exe: 5, ancestors: 'x' }] }), T).exe).toBeNull();
  });
});
