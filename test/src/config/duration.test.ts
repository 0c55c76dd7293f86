import { describe, expect, it } from 'vitest';
import { parseDuration, parseSince } from '../../../src/config/duration.js';

describe('durations and --since', () => {
  it('parses durations with units, and bare numbers as seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('10 m')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
  });

  it('reads --since as a duration back from now or as a point in time', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(parseSince('24h', now)).toBe(now - 86_400_000);
    expect(parseSince('2026-12-07T09:30:00Z', now)).toBe(Date.parse('2026-12-07T09:30:00Z'));
    expect(parseSince('2026-12-07 09:30+01:00', now)).toBe(Date.parse('2026-12-07T08:30:00Z'));
    // A bare date is local midnight, the day `date` names.
    expect(parseSince('2026-12-07', now)).toBe(new Date(2026, 11, 7).getTime());
  });

  it('refuses what is neither', () => {
    for (const v of ['yesterday', '2026-13-45', '2026-02-30', '2026-04-31T10:00:00Z', '2026-12-07T25:00:00Z', '12/07/2026', '1700000000000', '']) expect(parseSince(v), v).toBeUndefined();
  });
});
