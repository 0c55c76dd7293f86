import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { isClawdeckError } from '../../../src/protocol/errors.js';
import { resolvePaths } from '../../../src/config/paths.js';

const write = (text: string): string => {
  const f = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'config.yaml');
  writeFileSync(f, text);
  return f;
};

const errorsOf = (text: string) => {
  const f = write(text);
  try {
    loadConfig(f);
  } catch (e) {
    if (!isClawdeckError(e)) throw e;
    return { f, where: e.where ?? [], message: e.message };
  }
  throw new Error('expected an error');
};

describe('config.yaml', () => {
  it('defaults everything when the file is absent', () => {
    const c = loadConfig('/nonexistent/config.yaml');
    expect(c.proxy.hold_timeout).toBe(120_000);
    expect(c.inference.default_provider).toBe('nvidia');
    expect(c.inference.providers.nvidia?.base_url).toBe('https://integrate.api.nvidia.com/v1');
  });

  it.each([
    ['an unknown top-level key', 'proxie:\n  listen: 1.2.3.4:5\n', 1, 1, 'unknown key "proxie"'],
    ['an unknown nested key', 'proxy:\n  hold_timeout: 10s\n  colour: red\n', 3, 3, 'unknown key "colour" at proxy.colour'],
    ['a bad duration', 'proxy:\n  hold_timeout: soon\n', 2, 17, 'not a duration'],
    ['a bad listen address', 'proxy:\n  listen: localhost\n', 2, 11, 'host:port'],
    ['a wrong type', 'ui:\n  bell: 3\n', 2, 9, 'ui.bell'],
    ['broken YAML', 'proxy:\n  listen: [1\n', 3, 1, ''],
    ['a duplicate key', 'ui:\n  bell: true\n  bell: false\n', 3, 3, 'unique'],
  ])('reports %s with line and column', (_name, text, line, col, msg) => {
    const { f, where, message } = errorsOf(text);
    expect(where[0]).toMatchObject({ file: f, line, col });
    expect(message).toContain(msg);
  });

  it('parses durations in every unit', () => {
    const c = loadConfig(write('proxy:\n  hold_timeout: 2m\n  header_timeout: 1500ms\n  idle_timeout: 1h\n'));
    expect([c.proxy.hold_timeout, c.proxy.header_timeout, c.proxy.idle_timeout]).toEqual([120_000, 1500, 3_600_000]);
  });
});

describe('paths', () => {
  it('CLAWDECK_HOME puts config, state and run under one directory', () => {
    const p = resolvePaths({ CLAWDECK_HOME: '/x' });
    expect([p.configDir, p.stateDir, p.runDir]).toEqual(['/x/config', '/x/state', '/x/run']);
  });

  it('follows XDG directories otherwise', () => {
    const p = resolvePaths({ HOME: '/h', XDG_CONFIG_HOME: '/c', XDG_STATE_HOME: '/s', XDG_RUNTIME_DIR: '/r' });
    expect([p.policyFile, p.auditLog, p.socket]).toEqual(['/c/clawdeck/policy.yaml', '/s/clawdeck/audit.jsonl', '/r/clawdeck/clawdeck.sock']);
  });
});
