import { describe, expect, it } from 'vitest';
import { createServer, connect, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { decodeProcAddress, findSocketInode, identityOf, peerBinaryOf, peerLabel, tcpPeerBinary } from '../../../src/egress/peer-binary.js';

describe('/proc/net/tcp parsing', () => {
  it('decodes IPv4, IPv6 and IPv4-mapped addresses', () => {
    expect(decodeProcAddress('0100007F:0C38')).toEqual({ ip: '127.0.0.1', port: 3128 });
    expect(decodeProcAddress('00000000000000000000000001000000:1F90')).toEqual({ ip: '::1', port: 8080 });
    expect(decodeProcAddress('0000000000000000FFFF00000100007F:0050')).toEqual({ ip: '127.0.0.1', port: 80 });
    expect(decodeProcAddress('garbage')).toBeNull();
  });

  it('finds the inode of the socket with the given local and remote ends', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0C38 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0',
      '   1: 0100007F:A000 0100007F:0C38 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1',
      '   2: 0100007F:0C38 0100007F:A000 01 00000000:00000000 00:00000000 00000000  1000        0 333 1 0 20 4 30 10 -1',
    ].join('\n');
    expect(findSocketInode([table], '127.0.0.1', 0xa000, '127.0.0.1', 3128)).toBe('222');
    expect(findSocketInode([table], '::ffff:127.0.0.1', 0xa000, '127.0.0.1', 3128)).toBe('222');
    expect(findSocketInode([table], '127.0.0.1', 0xa001, '127.0.0.1', 3128)).toBeNull();
  });
});

describe('identityOf', () => {
  it('takes the one executable; the shortest ancestor chain when a fork shares the socket', () => {
    expect(identityOf([{ exe: '/usr/bin/git', ancestors: ['/usr/bin/git', '/bin/bash'] }, { exe: '/usr/bin/git', ancestors: ['/bin/bash'] }])).toEqual({ exe: '/usr/bin/git', ancestors: ['/bin/bash'] });
  });

  it('is unknown when holders run different executables, or one is unreadable, or none', () => {
    expect(identityOf([{ exe: '/usr/bin/bash', ancestors: [] }, { exe: '/usr/bin/cat', ancestors: ['/usr/bin/bash'] }])).toMatchObject({ exe: null, why: expect.stringContaining('shared') });
    expect(identityOf([{ exe: null, ancestors: [] }]).exe).toBeNull();
    expect(identityOf([]).exe).toBeNull();
  });
});

describe('host attribution through /proc', () => {
  it('finds the executable of a child process connected over loopback', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const got = new Promise<Socket>((r) => srv.once('connection', r));
    const child = spawn(process.execPath, ['-e', `require('net').connect(${port},'127.0.0.1');setInterval(()=>{},1000)`], { stdio: 'ignore' });
    try {
      const s = await got;
      const b = await peerBinaryOf(s);
      expect(b.exe).toBe(realpathSync(process.execPath));
      expect(b.ancestors[0]).toBe(realpathSync(process.execPath));
      expect(await peerBinaryOf(s)).toBe(b);
      expect(peerLabel(b)).toBe(b.exe);
    } finally {
      child.kill();
      srv.close();
    }
  });

  it('says unknown for a socket no process on this host has', async () => {
    expect((await tcpPeerBinary('127.0.0.1', 1, '127.0.0.1', 2)).exe).toBeNull();
  });

  it('says unknown for a Unix socket connection that brought no preamble', async () => {
    const srv = createServer();
    const path = `/tmp/clawdeck-peer-test-${process.pid}.sock`;
    await new Promise<void>((r) => srv.listen(path, r));
    const got = new Promise<Socket>((r) => srv.once('connection', r));
    const c = connect(path);
    try {
      expect(await peerBinaryOf(await got)).toMatchObject({ exe: null, why: 'sandbox connection without a relay preamble' });
    } finally {
      c.destroy();
      srv.close();
    }
  });
});
