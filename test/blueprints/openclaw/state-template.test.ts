import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadBlueprint } from '../../../src/sandbox/blueprint.js';

const SCRIPT = join(loadBlueprint().dir, 'state-template.mjs');
const SECRET = 'PRIVATE-KEY-6f1d0c9e';

// A booted OpenClaw state as far as the template cares: kept tables, secret tables, extra files.
const bootedState = (dir: string): void => {
  mkdirSync(join(dir, 'state'), { recursive: true });
  writeFileSync(join(dir, 'config-journal-fingerprint.key'), SECRET);
  mkdirSync(join(dir, 'tmp', 'openclaw-1000'), { recursive: true });
  const db = new DatabaseSync(join(dir, 'state', 'openclaw.sqlite'));
  db.exec(`PRAGMA journal_mode=WAL;
    CREATE TABLE schema_meta (meta_key TEXT PRIMARY KEY, schema_version INT, updated_at INT);
    CREATE TABLE config_machine_state (state_key TEXT PRIMARY KEY, value_json TEXT);
    CREATE TABLE migration_runs (id TEXT PRIMARY KEY, status TEXT);
    CREATE TABLE migration_sources (source_key TEXT PRIMARY KEY);
    CREATE TABLE device_identities (identity_key TEXT PRIMARY KEY, private_key_pem TEXT);
    CREATE TABLE "odd ""name""" (v TEXT);
    INSERT INTO schema_meta VALUES ('startup-migrations', 3, 42);
    INSERT INTO config_machine_state VALUES ('plugins.installedIndex', '{"plugins":[]}'), ('auth.sharedStore', '{}'), ('auth.token', '${SECRET}');
    INSERT INTO migration_runs VALUES ('m1', 'completed');
    INSERT INTO device_identities VALUES ('primary', '${SECRET}');
    INSERT INTO "odd ""name""" VALUES ('${SECRET}');`);
  db.close();
};

describe('blueprints/openclaw/state-template.mjs', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the schema, checkpoints and plugin index; empties every other table; keeps no other file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'clawdeck-state-template-'));
    bootedState(join(dir, 'booted'));
    const r = await execa(process.execPath, [SCRIPT, join(dir, 'booted'), join(dir, 'template')]);
    expect(r.stdout).toBe('state-template: kept schema_meta:1 config_machine_state:2 migration_runs:1');
    expect(readdirSync(join(dir, 'template'), { recursive: true }).sort()).toEqual(['state', join('state', 'openclaw.sqlite')]);
    const db = new DatabaseSync(join(dir, 'template', 'state', 'openclaw.sqlite'), { readOnly: true });
    const keys = db.prepare('SELECT state_key FROM config_machine_state ORDER BY state_key').all().map((row) => row.state_key);
    expect(keys).toEqual(['auth.sharedStore', 'plugins.installedIndex']);
    expect(db.prepare('SELECT updated_at FROM schema_meta').get()).toEqual({ updated_at: 42 });
    expect(db.prepare('SELECT count(*) AS n FROM device_identities').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM "odd ""name"""').get()).toEqual({ n: 0 });
    db.close();
    // Deleted rows leave no bytes behind (the file is rebuilt from the kept rows).
    expect(readFileSync(join(dir, 'template', 'state', 'openclaw.sqlite')).includes(SECRET)).toBe(false);
  });

  it('fails without both directories', async () => {
    const r = await execa(process.execPath, [SCRIPT], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('usage:');
  });
});
