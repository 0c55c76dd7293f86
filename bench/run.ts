import { readdirSync } from 'node:fs';
import type { BenchRow } from './types.js';

// `npm run bench [area ...]`: runs every bench/<area>.js (or the named ones) and prints one table of
// measurements next to baselines taken in the same run. Exit 1 if a row misses its goal.
const here = new URL('.', import.meta.url);
const wanted = process.argv.slice(2);
const areas = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['run.js', 'types.js'].includes(f) && !f.startsWith('lib-'))
  .map((f) => f.slice(0, -3))
  .filter((a) => wanted.length === 0 || wanted.includes(a));

const fmt = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3));

const all: (BenchRow & { area: string })[] = [];
for (const area of areas) {
  const mod = (await import(new URL(`${area}.js`, here).href)) as { rows?: () => Promise<BenchRow[]> };
  if (!mod.rows) continue;
  process.stderr.write(`bench: ${area}…\n`);
  try {
    for (const r of await mod.rows()) all.push({ ...r, area });
  } catch (e) {
    all.push({ area, name: `FAILED: ${(e as Error).message}`, baseline: NaN, value: NaN, unit: '', ratio: NaN, goal: '', pass: false });
  }
}

const header = ['area', 'measurement', 'baseline', 'clawdeck', 'unit', 'ratio', 'goal', 'ok'];
const rows = all.map((r) => [r.area, r.name, fmt(r.baseline), fmt(r.value), r.unit, `${fmt(r.ratio)}×`, r.goal, r.pass ? 'yes' : 'NO']);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
process.stdout.write([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n');
if (all.some((r) => !r.pass)) process.exitCode = 1;
