import type { Socket } from 'node:net';
import { MAX_HELLO_BYTES, peekClientHello, peekHttpHost } from './sni.js';
import { refuseSocket } from './refuse.js';
import { checkHost, isHostProblem, splitHostPort } from './host-check.js';
import type { ProxyCore, LiveConn } from './proxy-core.js';
import type { Admission } from './admission.js';
import { isPassthrough } from './inspect.js';

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';
// Upstream read size: large reads are what make a Node tunnel fast (4x fewer syscalls and events than 64 KiB).
const READ_BUFFER = 256 * 1024;
// Read buffers are recycled: allocating 256 KiB per tunnel makes V8 count it as external memory and collect far
// more often (it dominated tunnel setup time). A small free list keeps setup cheap and RSS bounded.
const freeBuffers: Buffer[] = [];
const takeReadBuffer = (): Buffer => freeBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER);
const giveReadBuffer = (b: Buffer): void => {
  if (freeBuffers.length < 32) freeBuffers.push(b);
};

// Compares the host a tunnel's first bytes name (TLS SNI or an HTTP Host header) with the CONNECT target.
const sameHost = (named: string, target: string): boolean => {
  const hp = splitHostPort(named, 1);
  const h = hp ? hp.host.replace(/^\[|\]$/g, '') : named;
  return h.toLowerCase() === target.toLowerCase();
};

// CONNECT host:port → checks, decision (maybe held), dial the pinned address, 200, then verify the first
// bytes (SNI / Host) before any client byte reaches upstream; then pipe both ways with backpressure.
// `url` is the request target and `hostHeader` the (first) Host header, from llhttp or the fast path (fast-connect.ts).
export const handleConnect = (core: ProxyCore, url: string, hostHeader: string | undefined, client: Socket, head: Buffer): void => {
  const conn = core.nextConn();
  const started = Date.now();
  client.setNoDelay(true);
  client.on('error', () => client.destroy());
  core.track(client);
  const target = splitHostPort(url);
  if (!target) {
    return core.refuseRaw(client, conn, { status: 400, error: 'bad_target', reason: `CONNECT target "${url}" is not host:port`, rule_hint: null });
  }
  const t = checkHost(target.host);
  if (isHostProblem(t)) {
    return core.refuseRaw(client, conn, { status: 400, error: t.code, reason: t.reason, rule_hint: t.hint }, target.host, target.port);
  }
  if (hostHeader !== undefined) {
    const hh = splitHostPort(hostHeader, target.port);
    const ht = hh ? checkHost(hh.host) : undefined;
    if (!hh || !ht || isHostProblem(ht) || ht.host !== t.host || hh.port !== target.port) {
      return core.refuseRaw(
        client,
        conn,
        { status: 400, error: 'host_mismatch', reason: `Host header "${hostHeader}" differs from CONNECT target "${url}"`, rule_hint: 'Send the same host in the CONNECT line and the Host header.' },
        t.host,
        target.port,
      );
    }
  }
  const dest = { conn, scheme: 'connect' as const, host: t.host, port: target.port, isIp: t.kind === 'ip', peer: client };
  // The client must not speak before the 200; whatever it sends meanwhile waits in the kernel, not here.
  client.pause();
  const inspector = core.inspector;
  const passthrough = inspector ? isPassthrough(inspector.opts, dest.host) : true;
  const admitted = (a: Admission): void => {
    if (client.destroyed) return;
    if (!a.ok) return refuseSocket(client, a.refusal);
    // L7: the endpoint wants method/path rules (or the host is unknown and inspected): terminate TLS here.
    if (inspector && a.inspect && !passthrough) {
      client.write(ESTABLISHED);
      return void inspector.take(client, head, dest, a, started);
    }
    // Downstream bytes are read straight into one per-tunnel buffer (pages are only touched when used) and
    // reading pauses until that chunk is handed to the client: bounded memory, backpressure, few syscalls.
    const readBuffer = takeReadBuffer();
    const up: Socket = core.dial(a.ip, target.port, {
      buffer: readBuffer,
      callback: (n, buf) => {
        if (client.destroyed) return false;
        client.write(buf.subarray(0, n), () => up.resume());
        return false;
      },
    });
    const live: LiveConn = {
      conn,
      dest,
      ip: a.ip,
      operator: a.operator,
      kill: () => {
        client.destroy();
        up.destroy();
      },
    };
    core.addLive(live);
    let connected = false;
    let closedOnce = false;
    const finish = (): void => {
      if (closedOnce) return;
      closedOnce = true;
      core.removeLive(live);
      client.destroy();
      up.destroy();
      // Destroyed: no read can land in the buffer any more.
      giveReadBuffer(readBuffer);
      // After the fact (bytes and duration, not a decision): batched with the next decision line, as for plain HTTP.
      core.audit.writeSoon({
        event: 'close',
        conn,
        host: dest.host,
        port: dest.port,
        ip: a.ip,
        scheme: 'connect',
        bytes_up: up.bytesWritten,
        bytes_down: up.bytesRead,
        duration_ms: Date.now() - started,
      });
    };
    up.on('error', (err) => {
      if (!connected) {
        refuseSocket(client, { status: 502, error: 'upstream_unreachable', reason: `${dest.host}:${dest.port} (${a.ip}): ${(err as NodeJS.ErrnoException).code ?? err.message}`, rule_hint: null });
      }
      finish();
    });
    up.on('close', finish);
    client.on('close', finish);
    up.setTimeout(core.connectTimeoutMs, () => up.destroy(new Error('connect timeout')));
    up.once('connect', () => {
      connected = true;
      up.setTimeout(0);
      up.setNoDelay(true);
      client.setTimeout(core.idleTimeoutMs, () => finish());
      up.on('end', () => client.end());
      client.write(ESTABLISHED);
      verifyFirstBytes(core, client, up, head, dest.host, conn, a.ip, dest.port, () => finish());
    });
  };
  core.admitter.decide(dest, (cancel) => client.once('close', cancel), admitted, { deferAsk: !passthrough && inspector!.opts.inspectUnknown });
};

// Buffers the client's first bytes (bounded: one TLS record) until the named host is known.
const verifyFirstBytes = (
  core: ProxyCore,
  client: Socket,
  up: Socket,
  head: Buffer,
  host: string,
  conn: number,
  ip: string,
  port: number,
  kill: () => void,
): void => {
  let buf = head;
  let done = false;
  // Starts with the first byte: a silent client (e.g. waiting for a server banner) stays checked, not timed out.
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer ??= setTimeout(() => deny('the first bytes of the tunnel did not complete in time'), core.headerTimeoutMs);
    timer.unref();
  };
  const deny = (reason: string): void => {
    done = true;
    clearTimeout(timer);
    client.off('data', onData);
    core.audit.write({ event: 'decision', conn, host, port, ip, scheme: 'connect', outcome: 'deny', by: 'proxy', rule: 'tunnel-host-check', reason });
    kill();
  };
  const pass = (): void => {
    done = true;
    clearTimeout(timer);
    client.off('data', onData);
    client.off('end', onEnd);
    client.pause();
    if (buf.length) up.write(buf);
    client.pipe(up);
  };
  const check = (): void => {
    const hello = peekClientHello(buf);
    if (hello.state === 'need-more') return buf.length > MAX_HELLO_BYTES ? deny('oversized TLS ClientHello') : undefined;
    if (hello.state === 'malformed') return deny('malformed TLS ClientHello');
    if (hello.state === 'tls') {
      if (hello.sni !== null && !sameHost(hello.sni, host)) return deny(`TLS SNI "${hello.sni}" differs from CONNECT target "${host}"`);
      return pass();
    }
    const h = peekHttpHost(buf);
    if (h === 'need-more') return;
    if (h !== null && !sameHost(h, host)) return deny(`Host header "${h}" inside the tunnel differs from CONNECT target "${host}"`);
    pass();
  };
  const onData = (chunk: Buffer): void => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    arm();
    check();
  };
  // The client closed before naming a host: no byte of its is outstanding, so the tunnel is over (RFC 9110 §9.3.6:
  // when either side closes, send what that side left, then close both) instead of lingering until the idle timeout.
  // An unfinished TLS record / request head is never forwarded: that is a refusal.
  const onEnd = (): void => {
    if (done) return;
    if (buf.length) return deny('the client closed before its first bytes named a host');
    done = true;
    clearTimeout(timer);
    client.off('data', onData);
    kill();
  };
  if (buf.length) {
    arm();
    check();
  }
  if (!done) {
    client.on('data', onData);
    client.once('end', onEnd);
    client.resume();
  }
};
