import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// Parses "500ms", "90s", "10m", "2h", "1d" (or a bare number of seconds) into milliseconds; undefined if malformed.
export const parseDuration = (v: string | number): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * units[m[2]!]!);
};

// A zod field for durations in config and policy files; the parsed value is milliseconds.
export const durationSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 90s, 10m, 2h)` });
    return z.NEVER;
  }
  return ms;
});
