import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getCACertificates } from 'node:tls';

// The public trust material the sandbox needs to accept the inspecting proxy: the sandbox CA alone (for
// NODE_EXTRA_CA_CERTS, which adds to node's roots) and a full bundle = public roots + sandbox CA (for OpenSSL
// tools that replace their roots: curl, git, python requests). Certificates only; the CA key is never written here.
export const TRUST_FILES = { ca: 'sandbox-ca.crt', bundle: 'ca-bundle.crt' } as const;

// Writes both files into `dir` (the directory mounted read-only into the container).
export const writeSandboxTrust = (dir: string, caCertPem: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const roots = getCACertificates('bundled').join('\n');
  writeFileSync(join(dir, TRUST_FILES.ca), caCertPem, { mode: 0o644 });
  writeFileSync(join(dir, TRUST_FILES.bundle), `${roots}\n${caCertPem}`, { mode: 0o644 });
};

// The environment that points common TLS clients in the container at those files (`mount` = where dir is mounted).
export const sandboxTrustEnv = (mount: string): string[] => {
  const ca = `${mount}/${TRUST_FILES.ca}`;
  const bundle = `${mount}/${TRUST_FILES.bundle}`;
  return [
    `NODE_EXTRA_CA_CERTS=${ca}`,
    `SSL_CERT_FILE=${bundle}`,
    `REQUESTS_CA_BUNDLE=${bundle}`,
    `CURL_CA_BUNDLE=${bundle}`,
    `GIT_SSL_CAINFO=${bundle}`,
    `PIP_CERT=${bundle}`,
    `DENO_CERT=${bundle}`,
    `AWS_CA_BUNDLE=${bundle}`,
  ];
};
