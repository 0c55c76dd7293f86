import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startHttpUpstream, rawRequest, mapResolver } from '../../helpers/egress.js';
import { startL7Proxy } from '../../helpers/l7.js';

// Method/path rules on a plain-HTTP endpoint, with the real policy engine: the rule sees the normalized path
// and upstream gets exactly that, so "/a/../admin" or "//admin" cannot pass a deny rule on /admin/**.
let web: Awaited<ReturnType<typeof startHttpUpstream>>;
let px: Awaited<ReturnType<typeof startL7Proxy>>;
const seen: string[] = [];

beforeAll(async () => {
  web = await startHttpUpstream((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-length': '2' });
    res.end('ok');
  });
  px = await startL7Proxy({
    policyYaml: `version: 1
network_policies:
  wiki:
    endpoints:
      - host: wiki.test
        port: ${web.port}
        access: full
        allowed_ips: [127.0.0.1/32]
        deny_rules:
          - { method: "*", path: "/admin/**" }
`,
    resolver: mapResolver({ 'wiki.test': ['127.0.0.1'] }),
    upstreamCa: [],
  });
});
afterAll(async () => {
  await px.close();
  await web.close();
});

const get = async (path: string) => {
  const { sock, res } = await rawRequest(px.port, `GET http://wiki.test:${web.port}${path} HTTP/1.1\r\nHost: wiki.test:${web.port}\r\n\r\n`);
  sock.destroy();
  return res;
};

describe('plain-HTTP path rules decide on the normalized path', () => {
  it.each([
    ['/admin/x', 403, 'denied'],
    ['//admin/x', 403, 'denied'],
    ['/%61dmin/x', 403, 'denied'],
    ['/a/../admin/x', 400, 'dot_segment'],
    ['/a/%2e%2e/admin/x', 400, 'dot_segment'],
    ['/a%2F..%2Fadmin/x', 400, 'dot_segment'],
    ['/admin%2Fx', 400, 'encoded_slash'],
    // What a servlet container or a case-insensitive server would serve as /admin/x.
    ['/admin;jsessionid=1/x', 403, 'denied'],
    ['/ADMIN/x', 403, 'denied'],
    ['/admin./x', 403, 'denied'],
    ['/a/..;/admin/x', 400, 'dot_segment'],
  ])('%s → %i %s, never forwarded', async (path, status, error) => {
    const before = seen.length;
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.json()).toMatchObject({ error });
    expect(seen.length).toBe(before);
  });

  it('forwards an allowed path in its normalized form', async () => {
    expect((await get('/docs//p%61ge?q=%2F')).status).toBe(200);
    expect(seen.at(-1)).toBe('/docs/page?q=%2F');
  });
});
