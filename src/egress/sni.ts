// Reading the server name from a TLS ClientHello so a CONNECT to one host cannot carry TLS for another.

export type HelloPeek =
  | { state: 'need-more' }
  | { state: 'not-tls' }
  | { state: 'tls'; sni: string | null }
  | { state: 'malformed' };

// The largest ClientHello record we wait for (one TLS record); bigger is treated as malformed.
export const MAX_HELLO_BYTES = 16 * 1024 + 5;

// Parses the first TLS record of a client's stream; says whether more bytes are needed.
export const peekClientHello = (buf: Buffer): HelloPeek => {
  if (buf.length === 0) return { state: 'need-more' };
  if (buf[0] !== 0x16) return { state: 'not-tls' };
  if (buf.length < 5) return { state: 'need-more' };
  if (buf[1] !== 0x03) return { state: 'malformed' };
  const recLen = buf.readUInt16BE(3);
  if (recLen + 5 > MAX_HELLO_BYTES) return { state: 'malformed' };
  if (buf.length < 5 + recLen) return { state: 'need-more' };
  const rec = buf.subarray(5, 5 + recLen);
  try {
    return { state: 'tls', sni: readSni(rec) };
  } catch {
    return { state: 'malformed' };
  }
};

const readSni = (h: Buffer): string | null => {
  let o = 0;
  const need = (n: number): void => {
    if (o + n > h.length) throw new Error('short');
  };
  need(4);
  if (h[0] !== 0x01) throw new Error('not a ClientHello');
  const bodyLen = h.readUIntBE(1, 3);
  // A hello split over several records: parse what the first record holds.
  const end = Math.min(h.length, 4 + bodyLen);
  o = 4 + 2 + 32;
  need(1);
  o += 1 + h[o]!; // session id
  need(2);
  o += 2 + h.readUInt16BE(o); // cipher suites
  need(1);
  o += 1 + h[o]!; // compression
  if (o + 2 > end) return null; // no extensions
  const extEnd = Math.min(end, o + 2 + h.readUInt16BE(o));
  o += 2;
  while (o + 4 <= extEnd) {
    const type = h.readUInt16BE(o);
    const len = h.readUInt16BE(o + 2);
    o += 4;
    if (type === 0) {
      need(len);
      let p = o + 2; // server name list length
      const listEnd = o + len;
      while (p + 3 <= listEnd) {
        const nameType = h[p]!;
        const nameLen = h.readUInt16BE(p + 1);
        p += 3;
        if (p + nameLen > listEnd) throw new Error('short');
        if (nameType === 0) return h.toString('latin1', p, p + nameLen).toLowerCase();
        p += nameLen;
      }
      return null;
    }
    o += len;
  }
  return null;
};

// For plain (non-TLS) traffic inside a tunnel, e.g. a WebSocket upgrade: the Host header of the first request, if any.
export const peekHttpHost = (buf: Buffer): string | null | 'need-more' => {
  const head = buf.toString('latin1', 0, Math.min(buf.length, 8192));
  if (!/^[A-Z]{3,10} \S+ HTTP\/1\.[01]\r\n/.test(head)) return /^[A-Z]{0,10}( \S*)?$/.test(head) && buf.length < 8192 ? 'need-more' : null;
  const endOfHead = head.indexOf('\r\n\r\n');
  const m = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(endOfHead === -1 ? head : head.slice(0, endOfHead));
  if (m) return m[1]!.trim().toLowerCase();
  return endOfHead === -1 && buf.length < 8192 ? 'need-more' : null;
};
