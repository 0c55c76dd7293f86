import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { buildOpenClawConfig, execPolicyFor } from '../../../src/sandbox/openclaw-config.js';

describe('OpenClaw config for the sandbox', () => {
  it('Binds the gateway to loopback with token auth and points the inference provider at inference.local', () => {
    const c = buildOpenClawConfig() as any;
    expect(c.gateway).toMatchObject({ mode: 'local', bind: 'loopback', auth: { mode: 'token' } });
    expect(c.gateway.auth.token).toBeUndefined();
    // clawdeck is the UI: OpenClaw's browser Control UI stays off (its assets cost every start)
    expect(c.gateway.controlUi).toEqual({ enabled: false });
    expect(c.models.providers.inference.baseUrl).toBe('http://inference.local/v1');
    expect(c.agents.defaults.model.primary).toBe('inference/nvidia/nemotron-3-super-120b-a12b');
  });

  it('turns exec approvals on by default: ask on an allowlist miss; clawdeck config maps to OpenClaw tools.exec keys', () => {
    expect((buildOpenClawConfig() as any).tools.exec).toEqual({ mode: 'ask' });
    const cfg = configSchema.parse({});
    expect(cfg.agent.exec_approvals).toEqual({ mode: 'ask', ask: 'on-miss', timeout: 120_000 });
    expect((buildOpenClawConfig({ execApprovals: cfg.agent.exec_approvals }) as any).tools).toMatchObject({ exec: { mode: 'ask' }, web: { fetch: { useTrustedEnvProxy: true } } });
    // ask "always" has no mode equivalent in OpenClaw: the legacy pair, without mode
    expect(execPolicyFor({ mode: 'ask', ask: 'always' })).toEqual({ security: 'allowlist', ask: 'always' });
    expect(execPolicyFor({ mode: 'off', ask: 'on-miss' })).toEqual({ mode: 'full' });
    expect(execPolicyFor({ mode: 'deny', ask: 'on-miss' })).toEqual({ mode: 'deny' });
    expect(configSchema.parse({ agent: { exec_approvals: { mode: 'ask', ask: 'always', timeout: '5m' } } }).agent.exec_approvals.timeout).toBe(300_000);
    expect(configSchema.safeParse({ agent: { exec_approvals: { mode: 'yolo' } } }).success).toBe(false);
    expect(configSchema.safeParse({ agent: { exec_approvals: { timeout_s: 5 } } }).success).toBe(false);
  });
});
