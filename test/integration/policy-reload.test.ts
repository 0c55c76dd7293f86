import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePolicyEngine, type SwapSource } from '../../src/policy/engine.js';
import { startHotReload } from '../../src/policy/hot-reload.js';
import type { FileWatcher } from '../../src/policy/watcher.js';
import type { YamlIssue } from '../../src/config/yaml-validate.js';
import { waitFor } from '../helpers/home.js';

const policy = (host: string): string => `version: 1
network_policies:
  web:
    endpoints:
      - host: ${host}
        port: 443
`;
const PUB = '93.184.216.34';

let dir: string;
let file: string;
let engine: FilePolicyEngine;
let watcher: FileWatcher;
let swaps: SwapSource[];
let rejected: YamlIssue[][];

const allows = (host: string): boolean => engine.decide({ host, port: 443, ip: PUB }).verdict === 'allow';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clawdeck-reload-'));
  file = join(dir, 'policy.yaml');
  writeFileSync(file, policy('one.test'));
  swaps = [];
  rejected = [];
  engine = await FilePolicyEngine.open(file, {
    onState: (_e, ev) => (ev.kind === 'swap' ? swaps.push(ev.source) : rejected.push(ev.errors)),
  });
  watcher = startHotReload(engine);
  await watcher.ready;
});
afterEach(async () => {
  await watcher.close();
  engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('hot reload with real files', () => {
  it('good → bad → good: the bad save is reported with its position and never applied', async () => {
    writeFileSync(file, policy('two.test'));
    await waitFor(() => allows('two.test'), 'first good save in force');
    expect(engine.generation).toBe(2);

    writeFileSync(file, policy('three.test') + 'colour: red\n');
    await waitFor(() => rejected.length === 1, 'bad save rejected');
    expect(rejected[0]).toEqual([{ file, line: 7, col: 1, message: 'unknown key "colour" at colour' }]);
    expect(engine.errors).toHaveLength(1);
    expect(allows('two.test')).toBe(true);
    expect(allows('three.test')).toBe(false);
    expect(engine.generation).toBe(2);

    writeFileSync(file, policy('four.test'));
    await waitFor(() => allows('four.test'), 'second good save in force');
    expect(engine.errors).toEqual([]);
    expect(allows('two.test')).toBe(false);
  });

  it('editor-style saves (write a temp file, rename it over the policy) are picked up every time', async () => {
    for (const host of ['a.test', 'b.test', 'c.test']) {
      writeFileSync(join(dir, '.policy.yaml.swp'), policy(host));
      renameSync(join(dir, '.policy.yaml.swp'), file);
      await waitFor(() => allows(host), `rename save of ${host}`);
    }
    expect(swaps).toEqual(['reload', 'reload', 'reload']);
  });

  it('vim-style backup saves (rename the original away, write a new file) are picked up', async () => {
    renameSync(file, `${file}~`);
    writeFileSync(file, policy('vim.test'));
    await waitFor(() => allows('vim.test'), 'backup-rename save');
  });

  it('a deleted file keeps the last good policy in force', async () => {
    unlinkSync(file);
    expect(allows('one.test')).toBe(true);
    writeFileSync(file, policy('back.test'));
    await waitFor(() => allows('back.test'), 'file re-created');
    expect(rejected).toEqual([]);
    expect(swaps).toEqual(['reload']);
  });

  it("the engine's own writes do not trigger a reload (no loop)", async () => {
    await engine.addRule({ host: 'approved.test', port: 443, action: 'allow', approved_by: 'x' });
    expect(engine.generation).toBe(2);
    // An operator save after our write: once it is in force, the watcher has also seen our write.
    writeFileSync(file, policy('operator.test'));
    await waitFor(() => allows('operator.test'), 'operator save');
    expect(swaps).toEqual(['write', 'reload']);
    expect(engine.generation).toBe(3);
  });

  it('half-written text followed by the full text ends with the full policy', async () => {
    const full = policy('full.test');
    writeFileSync(file, full.slice(0, 30));
    writeFileSync(file, full);
    await waitFor(() => allows('full.test'), 'full text in force');
    expect(engine.errors).toEqual([]);
  });
});
