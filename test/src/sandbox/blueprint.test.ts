import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBlueprintDir, loadBlueprint, parseSize } from '../../../src/sandbox/blueprint.js';

const shipped = readFileSync(join(defaultBlueprintDir(), 'blueprint.yaml'), 'utf8');
const withText = (text: string): string => {
  const d = mkdtempSync(join(tmpdir(), 'bp-'));
  writeFileSync(join(d, 'blueprint.yaml'), text);
  return d;
};

describe('blueprint.yaml', () => {
  it('The shipped blueprint loads, pins OpenClaw 2026.9.6 and Node >= 24.16, and tags the image with both versions', () => {
    const bp = loadBlueprint();
    expect(bp.openclaw_version).toBe('2026.9.6');
    expect(bp.tag).toBe(`clawdeck/openclaw:2026.9.6-bp${bp.blueprint_version}`);
    expect(bp.default_policy).toBe('policy.yaml');
    expect(bp.resources.pids).toBeGreaterThan(0);
  });

  it('A config base_image overrides the blueprint one', () => {
    expect(loadBlueprint(undefined, 'debian:bookworm-slim').base_image).toBe('debian:bookworm-slim');
  });

  it.each([
    ['node_version: 24.21.0', 'node_version: 24.15.0', 'Node >= 24.16'],
    ['node_version: 24.21.0', 'node_version: 24', 'node_version'],
    ['pids: 512', 'pids: 5', 'pids'],
    ['memory: 4g', 'memory: lots', 'memory'],
  ])('Replacing %s with %s is an error with file:line:col', (from, to, msg) => {
    const dir = withText(shipped.replace(from, to));
    expect(() => loadBlueprint(dir)).toThrow(new RegExp(`blueprint\\.yaml:\\d+:\\d+: .*${msg}`));
  });

  it('An unknown key is an error that names its line', () => {
    const dir = withText(shipped + 'digest: sha256:abc\n');
    expect(() => loadBlueprint(dir)).toThrow(/blueprint\.yaml:\d+:1/);
  });

  it('Sizes parse as bytes', () => {
    expect(parseSize('4g')).toBe(4 * 1024 ** 3);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize(1000)).toBe(1000);
  });
});
