import { describe, expect, it } from 'vitest';
import { toEnforcement, notApplicable, type ProbeReport } from '../../../src/sandbox/probe.js';

const good = (): ProbeReport => ({
  uid: 1000,
  landlock: { state: 'enforced', abi: 7, compat: 'best_effort', detail: 'ABI 7, 14 rules', writes: { '/run/clawdeck': 'EACCES', '/dev/shm': 'EACCES', '/sandbox': 'OK', '/tmp': 'OK' } },
  rootfs: { read_only: true, '/etc': 'EROFS', '/usr': 'EROFS', '/root': 'EACCES' },
  seccomp: { mode: 2, denied: { ptrace: 'EPERM', io_uring_setup: 'EPERM' } },
  caps: { CapEff: 0, CapPrm: 0, NoNewPrivs: 1 },
  egress: { '172.17.0.1:5000': 'ENETUNREACH', dns: 'OK' },
  proxy: 'HTTP/1.1 400 Bad Request',
  inference: 'HTTP/1.1 200 OK',
});
const opts = { launcherLine: '{"landlock":"enforced","abi":7}', egressHits: 0, keyCheck: { keys: 1, leaked: [], scanned: 'env' } };
const state = (rows: ReturnType<typeof toEnforcement>, layer: string): string => rows.find((r) => r.layer === layer)!.state;

describe('enforcement from the probe report', () => {
  it('A fully proven report marks every layer proven', () => {
    expect(toEnforcement(good(), opts).every((r) => r.state === 'proven')).toBe(true);
  });

  it.each<[string, (p: ProbeReport) => void, string]>([
    ['a write to /run/clawdeck that worked', (p) => (p.landlock.writes['/run/clawdeck'] = 'OK'), 'landlock'],
    ['best_effort without kernel support', (p) => ((p.landlock.state = 'unsupported'), (p.landlock.abi = 0)), 'landlock'],
    ['seccomp mode 0', (p) => (p.seccomp.mode = 0), 'seccomp'],
    ['an allowed ptrace', (p) => (p.seccomp.denied.ptrace = 'OK'), 'seccomp'],
    ['a capability left', (p) => (p.caps.CapEff = 0x400), 'capabilities'],
    ['NoNewPrivs 0', (p) => (p.caps.NoNewPrivs = 0), 'no_new_privs'],
    ['a writable root', (p) => (p.rootfs.read_only = false), 'read_only_root'],
    ['a reachable host port', (p) => (p.egress['172.17.0.1:5000'] = 'OK'), 'direct_egress'],
    ['no proxy answer', (p) => (p.proxy = 'connect: Connection refused'), 'proxy'],
    ['no inference answer', (p) => (p.inference = ''), 'inference'],
  ])('Is not proven with %s', (_what, mutate, layer) => {
    const p = good();
    mutate(p);
    expect(state(toEnforcement(p, opts), layer)).toBe('failed');
  });

  it('Is not proven when the launcher never reported enforcement at start', () => {
    expect(state(toEnforcement(good(), { ...opts, launcherLine: null }), 'landlock')).toBe('failed');
  });

  it('A connection that reached the host listener fails direct egress even if the probe saw an error', () => {
    expect(state(toEnforcement(good(), { ...opts, egressHits: 1 }), 'direct_egress')).toBe('failed');
  });

  it('A leaked key fails; no configured key is n/a, not proven', () => {
    expect(state(toEnforcement(good(), { ...opts, keyCheck: { keys: 1, leaked: ['nvidia'], scanned: '' } }), 'provider_key')).toBe('failed');
    expect(state(toEnforcement(good(), { ...opts, keyCheck: { keys: 0, leaked: [], scanned: '' } }), 'provider_key')).toBe('n/a');
  });

  it('--no-sandbox marks every layer n/a', () => {
    expect(notApplicable('x').every((r) => r.state === 'n/a')).toBe(true);
  });
});
