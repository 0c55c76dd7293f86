import { structuredPatch } from 'diff';
import type { ReviewError } from '../../app/ui-state.js';
import { yamlSyntaxErrors } from './endpoints.js';

// Unified-diff rows (hunk headers, +, -, context) of what applying `next` would change.
export const diffRows = (before: string, after: string): string[] => {
  if (before === after) return [];
  const p = structuredPatch('policy.yaml', 'policy.yaml', before, after, undefined, undefined, { context: 2 });
  return p.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
};

// Pulls {line, col, message} out of whatever a check returned or threw: error payloads with `where`,
// plain {line, col, message} rows, or {errors: [...]}.
export const extractProblems = (x: unknown): ReviewError[] => {
  if (!x || typeof x !== 'object') return [];
  const o = x as Record<string, unknown>;
  if (Array.isArray(x)) return x.flatMap(extractProblems);
  if (Array.isArray(o.errors)) return o.errors.flatMap(extractProblems);
  const msg = typeof o.message === 'string' ? o.message : 'invalid';
  if (Array.isArray(o.where) && o.where.length) {
    return o.where.map((w: { line?: number; col?: number }) => ({ line: w.line ?? 0, col: w.col ?? 0, message: msg }));
  }
  if (typeof o.line === 'number') return [{ line: o.line, col: typeof o.col === 'number' ? o.col : 0, message: msg }];
  return [];
};

// Local first pass: YAML syntax errors need no daemon and carry line:col.
export const syntaxProblems = (text: string): ReviewError[] => yamlSyntaxErrors(text);
