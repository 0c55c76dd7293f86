import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { DaemonContext, Service } from '../daemon/context.js';
import type { Status } from '../protocol/status.js';
import { readProviderKey } from '../config/provider-key.js';
import { ClawdeckError, toErrorPayload } from '../protocol/errors.js';
import { loadBlueprint, type Blueprint } from './blueprint.js';
import { buildImage, inspectImage } from './image.js';
import { extraCaFile } from './build-context.js';
import { containerSpec, removeContainer, startContainer } from './container.js';
import { buildOpenClawConfig } from './openclaw-config.js';
import { formatRules, landlockRulesForStart, type SandboxPolicy } from './landlock-rules.js';
import { gatewayToken, readImageRecord, sandboxConfigDir, sandboxNames, sandboxStateDir, writeImageRecord } from './state.js';
import { gatewayReady } from './gateway-ready.js';
import { notApplicable, openEgressTarget, runProbe, toEnforcement, visibleEnv } from './probe.js';

// OpenClaw needs ~12 CPU-seconds to boot (with the image's code cache); on a busy 2-CPU host that can take minutes.
const READY_TIMEOUT_MS = 300_000;
const READY_POLL_MS = 100;

export interface SandboxService extends Service {
  // Settles when the background start finished (running, or failed with the status saying why).
  ready: Promise<void>;
}

const fmtBytes = (n: number): string => (n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} kB`);

// The first lines the launcher wrote (its Landlock report comes before OpenClaw runs).
const launcherLine = async (docker: Docker, id: string): Promise<string | null> => {
  const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true })) as unknown as Buffer;
  const text = buf.toString('latin1');
  const m = /clawdeck-launcher: (\{[^\n]*\})/.exec(text);
  return m ? m[1]! : null;
};

const logsTail = async (docker: Docker, id: string): Promise<string> => {
  try {
    const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 5 })) as unknown as Buffer;
    // strip the 8-byte stream headers of non-tty logs
    return buf.toString('latin1').replace(/[\x00-\x08]\x00\x00\x00[\s\S]{4}/g, '').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
};

// The sandbox supervisor: build the image if needed, start the hardened container, wait for the gateway,
// then prove each protection layer with a probe. All of it runs after start() returns (up must not block).
export const startSandbox = async (ctx: DaemonContext, policy: SandboxPolicy, env: NodeJS.ProcessEnv = process.env): Promise<SandboxService> => {
  if (ctx.options.noSandbox) {
    ctx.setStatus('enforcement', notApplicable('started with --no-sandbox'));
    return { name: 'sandbox', stop: async () => {}, ready: Promise.resolve() };
  }
  const docker = new Docker();
  const names = sandboxNames(ctx.paths);
  let stopped = false;
  let sandbox: Status['sandbox'] = { state: 'starting', container: null, image: null, image_digest: null, detail: 'preparing' };
  const set = (patch: Partial<Status['sandbox']>): void => {
    sandbox = { ...sandbox, ...patch };
    ctx.setStatus('sandbox', sandbox);
  };
  set({});

  const ensureImage = async (bp: Blueprint): Promise<void> => {
    const have = await inspectImage(docker, bp.tag);
    const rec = readImageRecord(ctx.paths);
    if (have && !ctx.options.rebuild) {
      if (!rec || rec.id !== have.id) {
        writeImageRecord(ctx.paths, {
          tag: bp.tag, id: have.id, blueprint_version: bp.blueprint_version, openclaw_version: bp.openclaw_version,
          built_at: new Date().toISOString(), build_seconds: null, size_bytes: have.size,
        });
      }
      set({ image: bp.tag, image_digest: have.id, detail: `image ${bp.tag} present` });
      return;
    }
    set({ state: 'building', image: bp.tag, detail: `building ${bp.tag}` });
    ctx.notice('info', `building sandbox image ${bp.tag} (OpenClaw ${bp.openclaw_version}, Node ${bp.node_version})`);
    let lastStep = 0;
    const built = await buildImage(docker, bp, sandboxStateDir(ctx.paths), extraCaFile(ctx.config.sandbox.extra_ca_file, env), (p) => {
      const s = Math.round(p.elapsedMs / 1000);
      set({ detail: `building: step ${p.step}/${p.steps || '?'}, context ${fmtBytes(p.contextBytes)}, ${s}s — ${p.text}` });
      if (p.step !== lastStep) {
        lastStep = p.step;
        ctx.log.info('sandbox build', { step: p.step, steps: p.steps, text: p.text, elapsed_s: s });
      }
    });
    writeImageRecord(ctx.paths, {
      tag: bp.tag, id: built.id, blueprint_version: bp.blueprint_version, openclaw_version: bp.openclaw_version,
      built_at: new Date().toISOString(), build_seconds: built.seconds, size_bytes: built.size,
    });
    set({ image_digest: built.id });
    ctx.notice('info', `sandbox image built in ${built.seconds.toFixed(0)}s (${fmtBytes(built.size)}, ${built.id.slice(0, 19)})`);
  };

  const run = async (): Promise<void> => {
    try {
      await docker.ping();
    } catch (e) {
      throw new ClawdeckError('SANDBOX_DOCKER_UNREACHABLE', `no Docker engine: ${(e as Error).message}`, {
        hint: 'Start Docker (or set DOCKER_HOST), or run clawdeck up --no-sandbox', cause: e,
      });
    }
    const bp = loadBlueprint(ctx.config.sandbox.blueprint, ctx.config.sandbox.base_image);
    await ensureImage(bp);
    if (stopped) return;
    // The validated policy in force (a save during the image build included); marks its static sections live.
    const rules = landlockRulesForStart(policy);
    const etc = sandboxConfigDir(ctx.paths);
    mkdirSync(etc, { recursive: true, mode: 0o755 });
    writeFileSync(join(etc, 'openclaw.json'), JSON.stringify(buildOpenClawConfig({ execApprovals: ctx.config.agent.exec_approvals }), null, 2) + '\n', { mode: 0o644 });
    writeFileSync(join(etc, 'landlock.rules'), formatRules(rules), { mode: 0o644 });
    set({ state: 'starting', container: names.container, detail: 'starting container' });
    const tStart = Date.now();
    const id = await startContainer(docker, containerSpec(ctx.paths, bp, bp.tag, gatewayToken(ctx.paths)), ctx.paths);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    // The probe needs only the relay and the launcher's Landlock report, both there before OpenClaw starts:
    // it runs while the gateway boots, so proving costs no time on the way to ready.
    const proving = (async () => {
      while (!(await launcherLine(docker, id))) {
        if (stopped || Date.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      await prove(id);
    })();
    proving.catch(() => {}); // awaited (and so reported) below
    // Gateway readiness through gateway.sock (the relay inside forwards to 127.0.0.1:18789). A refused poll costs
    // next to nothing, so poll often (ready is seen ≤ 100 ms late); the container itself is inspected every 2 s.
    let polls = 0;
    for (;;) {
      if (stopped) return;
      if (await gatewayReady(ctx.paths.gatewaySocket)) break;
      if (polls++ % 20 !== 0) {
        await new Promise((r) => setTimeout(r, READY_POLL_MS));
        continue;
      }
      const st = await docker.getContainer(id).inspect();
      if (!st.State.Running) {
        throw new ClawdeckError('SANDBOX_EXITED', `the sandbox exited (code ${st.State.ExitCode}) before the gateway was ready: ${await logsTail(docker, id)}`, {
          hint: st.State.ExitCode === 78 ? 'Landlock is required by the policy (landlock.compatibility: hard_requirement) but the kernel cannot enforce it' : `docker logs ${names.container}`,
        });
      }
      if (Date.now() > deadline) throw new ClawdeckError('SANDBOX_NOT_READY', `the OpenClaw gateway did not become ready in ${READY_TIMEOUT_MS / 1000}s`, { hint: `docker logs ${names.container}` });
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
    const readyS = (Date.now() - tStart) / 1000;
    set({ state: 'running', detail: `gateway ready ${readyS.toFixed(1)}s after container start; proving enforcement` });
    ctx.log.info('sandbox ready', { container: names.container, seconds: readyS });
    await proving;
    set({ detail: `gateway ready ${readyS.toFixed(1)}s after container start` });
  };

  const prove = async (id: string): Promise<void> => {
    const target = await openEgressTarget(docker);
    try {
      const report = await runProbe(docker, id, target.targets);
      const keys = Object.entries(ctx.config.inference.providers)
        .map(([name, p]) => ({ name, key: readProviderKey(p, env) }))
        .filter((k): k is { name: string; key: string } => !!k.key && k.key.length >= 8);
      const seen = await visibleEnv(docker, id);
      const { readFileSync } = await import('node:fs');
      const mounted = ['openclaw.json', 'landlock.rules'].map((f) => readFileSync(join(sandboxConfigDir(ctx.paths), f), 'utf8')).join('\n');
      const leaked = keys.filter((k) => seen.includes(k.key) || mounted.includes(k.key)).map((k) => k.name);
      const enforcement = toEnforcement(report, {
        launcherLine: await launcherLine(docker, id),
        egressHits: target.hits(),
        keyCheck: { keys: keys.length, leaked, scanned: 'process environments, container env and the mounted config' },
      });
      ctx.setStatus('enforcement', enforcement);
      const bad = enforcement.filter((e) => e.state === 'failed');
      if (bad.length) ctx.notice('error', `sandbox enforcement NOT proven: ${bad.map((e) => e.layer).join(', ')}`);
      else ctx.notice('info', 'sandbox enforcement proven by the live probe');
    } finally {
      target.server.close();
    }
  };

  const ready = run().catch((err: unknown) => {
    if (stopped) return;
    const p = toErrorPayload(err);
    ctx.log.error('sandbox failed', { err });
    set({ state: 'failed', detail: `${p.message}${p.hint ? ` — ${p.hint}` : ''}` });
    ctx.notice('error', `sandbox: ${p.message}`);
  });

  return {
    name: 'sandbox',
    ready,
    stop: async () => {
      stopped = true;
      await ready;
      await removeContainer(docker, ctx.paths).catch((err: unknown) => ctx.log.error('removing the sandbox container failed', { err }));
      set({ state: 'stopped', detail: 'container removed (the /sandbox volume is kept)' });
    },
  };
};
