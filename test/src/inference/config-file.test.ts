import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editConfigFile, ensureInferenceMap, ensureProvidersNode } from '../../../src/inference/config-file.js';
import { defaultProviders } from '../../../src/config/schema.js';

const dirs: string[] = [];
const file = (text: string): string => {
  const d = mkdtempSync(join(tmpdir(), 'clawdeck-cfg-'));
  dirs.push(d);
  const f = join(d, 'config.yaml');
  writeFileSync(f, text);
  return f;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('editConfigFile', () => {
  it('Keeps comments and the implicit default provider when a provider is added', () => {
    const f = file('# top comment\nproxy:\n  listen: 127.0.0.1:0 # port\n');
    const c = editConfigFile(f, (doc) => {
      ensureProvidersNode(doc, defaultProviders);
      doc.setIn(['inference', 'providers', 'local'], doc.createNode({ base_url: 'http://127.0.0.1:11434/v1', models: ['llama3'] }));
    });
    expect(Object.keys(c.inference.providers)).toEqual(['nvidia', 'local']);
    const text = readFileSync(f, 'utf8');
    expect(text).toContain('# top comment');
    expect(text).toContain('# port');
  });

  it('Turns an empty "inference:" line into a map before setting keys in it', () => {
    const f = file('inference:\n');
    const c = editConfigFile(f, (doc) => {
      ensureInferenceMap(doc);
      doc.setIn(['inference', 'default_provider'], 'nvidia');
    });
    expect(c.inference.default_provider).toBe('nvidia');
  });

  it('Never writes a change that would make the file invalid', () => {
    const before = 'inference:\n  default_provider: nvidia\n';
    const f = file(before);
    expect(() => editConfigFile(f, (doc) => doc.setIn(['inference', 'bogus'], 1))).toThrow(/bogus/);
    expect(readFileSync(f, 'utf8')).toBe(before);
  });
});
