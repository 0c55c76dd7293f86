import { request } from 'node:http';

// One GET /readyz through the gateway socket (the relay forwards it to the gateway on the container's loopback).
export const gatewayReady = (socketPath: string, timeoutMs = 2000): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request({ socketPath, path: '/readyz', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { ready?: boolean }).ready === true);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
