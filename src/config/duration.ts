import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// Parses "500ms", "90s", "10m", "2h", "1d" (or a bare number of seconds) into milliseconds; undefined if malformed.
export const parseDuration = (v: string | number): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * units[m[2]!]!);
};

// A --since value: a duration back from `now` ("24h", "7d") or a point in time ("2026-12-07", "2026-12-07T09:30:00Z";
// a date without a time is local midnight, as `date` prints it). Epoch ms, or undefined if it is neither.
export const parseSince = (v: string, now = Date.now()): number | undefined => {
  const d = parseDuration(v);
  if (d !== undefined) return now - d;
  const t = v.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (!m) return undefined;
  // Date.parse rolls a day past the month's end over ("2026-02-30" is 2 March); such a date is refused instead.
  const [year, month, date] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(year, month - 1, date);
  if (day.getMonth() !== month - 1 || day.getDate() !== date) return undefined;
  const ms = Date.parse(m[4] === undefined ? `${t}T00:00:00` : t.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
};

export const SINCE_HINT = 'a duration like 10m, 24h, 7d or a time like 2026-12-07 or 2026-12-07T09:30:00Z';

// A zod field for durations in config and policy files; the parsed value is milliseconds.
export const durationSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 90s, 10m, 2h)` });
    return z.NEVER;
  }
  return ms;
});
