import { describe, it, expect } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { peekClientHello, peekHttpHost } from '../../../src/egress/sni.js';

// Captures a real ClientHello from node's TLS client.
const captureHello = async (servername?: string): Promise<Buffer> => {
  let resolve!: (b: Buffer) => void;
  const got = new Promise<Buffer>((r) => (resolve = r));
  const srv = createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        resolve(buf);
        s.destroy();
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const c = tlsConnect({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, servername, rejectUnauthorized: false });
  c.on('error', () => {});
  const b = await got;
  c.destroy();
  srv.close();
  return b;
};

describe('peekClientHello', () => {
  it('reads the SNI from a real TLS ClientHello', async () => {
    expect(peekClientHello(await captureHello('api.example.com'))).toEqual({ state: 'tls', sni: 'api.example.com' });
  });

  it('asks for more bytes while the record is incomplete', async () => {
    const h = await captureHello('a.example');
    expect(peekClientHello(h.subarray(0, 3))).toEqual({ state: 'need-more' });
    expect(peekClientHello(h.subarray(0, h.length - 1))).toEqual({ state: 'need-more' });
  });

  it('reports no SNI when the client sends none', async () => {
    expect(peekClientHello(await captureHello(''))).toEqual({ state: 'tls', sni: null });
  });

  it('says not-tls for plain bytes and malformed for a broken record', () => {
    expect(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ state: 'not-tls' });
    expect(peekClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff]))).toEqual({ state: 'malformed' });
  });
});

describe('peekHttpHost', () => {
  it('finds the Host header of a request inside a tunnel', () => {
    expect(peekHttpHost(Buffer.from('GET / HTTP/1.1\r\nHost: A.example:80\r\n\r\n'))).toBe('a.example:80');
    expect(peekHttpHost(Buffer.from('GE'))).toBe('need-more');
    expect(peekHttpHost(Buffer.from('GET / HTTP/1.1\r\nUser'))).toBe('need-more');
    expect(peekHttpHost(Buffer.from('\x00binary'))).toBeNull();
  });
});
