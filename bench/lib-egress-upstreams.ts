// The bench's upstream servers in their own process (a real upstream is never in the client's event loop):
// a byte source for throughput, an echo server for tunnels, and a tiny keep-alive HTTP server. Prints their ports.
import { createServer, type Server, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';

const CHUNK = Buffer.alloc(1 << 20, 0x61);
const listen = async (srv: Server): Promise<number> => {
  await new Promise<void>((r) => srv.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
  return (srv.address() as AddressInfo).port;
};
const source = createServer((s) => {
  s.on('error', () => s.destroy());
  const pump = (): void => {
    while (!s.destroyed && s.write(CHUNK));
  };
  s.on('drain', pump);
  pump();
});
const echo = createServer((s) => {
  s.on('error', () => s.destroy());
  s.pipe(s);
});
const body = Buffer.from('ok\n');
const web = createHttpServer({ keepAliveTimeout: 60_000 }, (_q, r) => {
  r.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  r.end(body);
});
const ports = { source: await listen(source), echo: await listen(echo), web: await listen(web as unknown as Server) };
process.stdout.write(JSON.stringify(ports) + '\n');
