import { describe, it, expect } from 'vitest';
import { checkHost, parseLegacyIpv4, splitHostPort } from '../../../src/egress/host-check.js';

describe('checkHost', () => {
  it.each([
    ['example.com', { kind: 'name', host: 'example.com' }],
    ['API.Example.COM', { kind: 'name', host: 'api.example.com' }],
    ['10.0.0.1', { kind: 'ip', host: '10.0.0.1' }],
    ['[2001:db8::1]', { kind: 'ip', host: '2001:db8::1' }],
    ['[::1]', { kind: 'ip', host: '::1' }],
  ])('accepts %s', (raw, want) => {
    expect(checkHost(raw)).toEqual(want);
  });

  it.each([
    ['2130706433', 'ip_literal_encoding', '127.0.0.1'],
    ['017700000001', 'ip_literal_encoding', '127.0.0.1'],
    ['0x7f000001', 'ip_literal_encoding', '127.0.0.1'],
    ['0x7f.0.0.1', 'ip_literal_encoding', '127.0.0.1'],
    ['0177.0.0.1', 'ip_literal_encoding', ''],
    ['127.1', 'ip_literal_encoding', '127.0.0.1'],
    ['10.1', 'ip_literal_encoding', '10.0.0.1'],
    ['127.000.000.001', 'ip_literal_encoding', ''],
    ['[::ffff:127.0.0.1]', 'ip_literal_mapped', ''],
    ['[::ffff:7f00:1]', 'ip_literal_mapped', ''],
    ['[::127.0.0.1]', 'ip_literal_mapped', ''],
    ['example.com.', 'trailing_dot', ''],
    ['exa mple.com', 'bad_host', ''],
    ['ex%61mple.com', 'bad_host', ''],
    ['foo.123', 'ip_literal_encoding', ''],
    ['', 'bad_host', ''],
  ])('refuses %s as %s', (raw, code, mentions) => {
    const r = checkHost(raw);
    expect(r).toMatchObject({ code });
    if (mentions) expect((r as { reason: string }).reason).toContain(mentions);
  });

  it('reads legacy IPv4 forms the way inet_aton does', () => {
    expect(parseLegacyIpv4('1.2.3')).toBe('1.2.0.3');
    expect(parseLegacyIpv4('0x0a.0x0.0.01')).toBe('10.0.0.1');
    expect(parseLegacyIpv4('4294967296')).toBeUndefined();
    expect(parseLegacyIpv4('09.1.1.1')).toBeUndefined();
    expect(parseLegacyIpv4('abc')).toBeUndefined();
  });
});

describe('splitHostPort', () => {
  it('splits names, IPv6 literals and applies the default port', () => {
    expect(splitHostPort('a.b:443')).toEqual({ host: 'a.b', port: 443 });
    expect(splitHostPort('[::1]:80')).toEqual({ host: '[::1]', port: 80 });
    expect(splitHostPort('a.b', 80)).toEqual({ host: 'a.b', port: 80 });
    expect(splitHostPort('a.b')).toBeUndefined();
    expect(splitHostPort('a.b:0')).toBeUndefined();
    expect(splitHostPort('a.b:99999')).toBeUndefined();
    expect(splitHostPort('::1:80')).toBeUndefined();
  });
});
