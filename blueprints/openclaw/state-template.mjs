// Image build step, after warm-cache.sh's gateway boot: reduces that boot's OpenClaw state to the template every
// new /sandbox volume starts from (Docker copies the image's /sandbox into a new, empty named volume).
// A first start on an empty state spends ~2.5 CPU-s on what every install of this OpenClaw version computes alike:
// the database schema, the state/startup migration checkpoints, the installed-plugin index. The template keeps
// exactly that and never a per-install secret: rows survive only in the tables (and config_machine_state keys)
// listed here, every other table is emptied — the device identity, the config HMAC key, leases, boot records,
// fingerprints — and no file but the database is kept. The gateway creates the rest on first start, as on an
// empty state. VACUUM rebuilds the file from the kept rows, so no deleted byte survives in a free page.
// Usage: node state-template.mjs <booted state dir> <output state dir>
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// Table → null (keep every row) or the key column and the keys to keep.
const KEEP = {
  schema_meta: null,
  migration_runs: null,
  migration_sources: null,
  config_machine_state: { column: 'state_key', keys: ['auth.sharedStore', 'plugins.installedIndex'] },
};

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: node state-template.mjs <booted state dir> <output state dir>');
  process.exit(2);
}
const out = join(to, 'state', 'openclaw.sqlite');
rmSync(to, { recursive: true, force: true });
mkdirSync(join(to, 'state'), { recursive: true, mode: 0o700 });
const src = new DatabaseSync(join(from, 'state', 'openclaw.sqlite'), { readOnly: true });
src.exec(`VACUUM INTO '${out.replace(/'/g, "''")}'`);
src.close();

const db = new DatabaseSync(out);
const quote = (name) => `"${name.replace(/"/g, '""')}"`;
const kept = [];
for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()) {
  const rule = KEEP[name];
  if (rule === undefined) db.exec(`DELETE FROM ${quote(name)}`);
  else if (rule) db.prepare(`DELETE FROM ${quote(name)} WHERE ${quote(rule.column)} NOT IN (${rule.keys.map(() => '?').join(',')})`).run(...rule.keys);
  const n = db.prepare(`SELECT count(*) AS n FROM ${quote(name)}`).get().n;
  if (n) kept.push(`${name}:${n}`);
}
db.exec('VACUUM');
db.close();
console.log(`state-template: kept ${kept.join(' ') || 'no rows'}`);
