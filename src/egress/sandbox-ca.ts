import type { X509Certificate } from '@peculiar/x509';
import { webcrypto, randomBytes, createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { isIP } from 'node:net';
import { join } from 'node:path';

type X509 = typeof import('@peculiar/x509');

// @peculiar/x509 (with reflect-metadata and its ASN.1 schemas: ~5 MB of the daemon's heap, which every major GC
// marks, and a slow part of its start) loads on first need: creating the CA or issuing a leaf for an inspected host.
// Loading an existing CA needs only node:crypto.
let x509Module: Promise<X509> | undefined;
const loadX509 = (): Promise<X509> =>
  (x509Module ??= import('reflect-metadata')
    .then(() => import('@peculiar/x509'))
    .then((x509) => {
      x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
      return x509;
    }));

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
const LEAF_DAYS = 30;
const MAX_LEAVES = 2048;

export interface LeafCert {
  key: string;
  cert: string;
  expires: number;
}

const pemKey = async (key: CryptoKey): Promise<string> => {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
};

const importKey = (pem: string): Promise<CryptoKey> => {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
};

const serial = (): string => {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive INTEGER
  return b.toString('hex');
};

// Creates the CA (key + self-signed certificate, PEM) in a worker thread: @peculiar/x509 then lives only on the
// worker's heap, freed when it exits, so a first start does not leave ~5 MB on the daemon's heap for every GC to mark.
const CA_WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const { webcrypto } = require('node:crypto');
require(w.reflect);
const x509 = require(w.x509);
x509.cryptoProvider.set(webcrypto);
(async () => {
  const alg = w.alg;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: w.serial, name: w.name,
    notBefore: new Date(w.now - w.day), notAfter: new Date(w.now + 3650 * w.day),
    keys, signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = '-----BEGIN PRIVATE KEY-----\\n' + der.replace(/.{64}/g, '$&\\n').replace(/\\n?$/, '\\n') + '-----END PRIVATE KEY-----\\n';
  parentPort.postMessage({ keyPem, certPem: cert.toString('pem') });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

const createCaInWorker = (name: string, serialNumber: string): Promise<{ keyPem: string; certPem: string }> => {
  const req = createRequire(import.meta.url);
  const workerData = { reflect: req.resolve('reflect-metadata'), x509: req.resolve('@peculiar/x509'), alg: ALG, name, serial: serialNumber, now: Date.now(), day: DAY };
  return new Promise((resolve, reject) => {
    const w = new Worker(CA_WORKER, { eval: true, workerData });
    w.once('message', (m: { keyPem: string; certPem: string } | { error: string }) => {
      void w.terminate();
      if ('error' in m) reject(new Error(`creating the sandbox CA failed: ${m.error}`));
      else resolve(m);
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`creating the sandbox CA failed: worker exited (${code})`)));
  });
};

// The per-sandbox certificate authority used to terminate TLS toward the sandbox. The key stays on the host
// (0600, state dir); only the certificate is given to the container's trust stores.
export class SandboxCa {
  private readonly leaves = new Map<string, Promise<LeafCert>>();
  private leafKeys: Promise<CryptoKeyPair> | undefined;
  private caCert: Promise<X509Certificate> | undefined;

  private constructor(
    readonly certPem: string,
    private readonly caKey: CryptoKey,
    caCert?: X509Certificate,
  ) {
    if (caCert) this.caCert = Promise.resolve(caCert);
  }

  // Loads the CA from dir, creating it on first use (ca.key 0600, ca.crt 0644).
  static async loadOrCreate(dir: string, label = 'clawdeck sandbox CA'): Promise<SandboxCa> {
    const keyFile = join(dir, 'ca.key');
    const certFile = join(dir, 'ca.crt');
    if (existsSync(keyFile) && existsSync(certFile)) {
      const certPem = readFileSync(certFile, 'utf8');
      // Parsed here (node's own parser) so a damaged ca.crt still fails the start, not the first inspected request.
      new NodeX509Certificate(certPem);
      return new SandboxCa(certPem, await importKey(readFileSync(keyFile, 'utf8')));
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const created = await createCaInWorker(`CN=${label} ${randomBytes(4).toString('hex')}, O=clawdeck`, serial());
    writeFileSync(keyFile, created.keyPem, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    const certPem = created.certPem + '\n';
    writeFileSync(certFile, certPem, { mode: 0o644 });
    return new SandboxCa(certPem, await importKey(created.keyPem));
  }

  // A certificate for one host name or IP literal, signed by this CA; cached until near expiry.
  leafFor(host: string): Promise<LeafCert> {
    const name = host.toLowerCase();
    const cached = this.leaves.get(name);
    if (cached) return cached.then((l) => (l.expires - Date.now() > DAY ? l : this.mint(name)));
    return this.mint(name);
  }

  private mint(name: string): Promise<LeafCert> {
    if (this.leaves.size >= MAX_LEAVES) this.leaves.delete(this.leaves.keys().next().value!);
    const p = this.issue(name);
    this.leaves.set(name, p);
    p.catch(() => this.leaves.delete(name));
    return p;
  }

  private async issue(name: string): Promise<LeafCert> {
    // One leaf key for all hosts (as inspecting proxies do): per-host signing is cheap, key generation is not.
    this.leafKeys ??= webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
    const keys = await this.leafKeys;
    const now = Date.now();
    const expires = now + LEAF_DAYS * DAY;
    const san = isIP(name) ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name };
    const x509 = await loadX509();
    this.caCert ??= Promise.resolve(new x509.X509Certificate(this.certPem));
    const caCert = await this.caCert;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${name}`,
      issuer: caCert.subject,
      notBefore: new Date(now - DAY),
      notAfter: new Date(expires),
      signingKey: this.caKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([san]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ],
    });
    return { key: await pemKey(keys.privateKey), cert: cert.toString('pem') + '\n' + this.certPem, expires };
  }
}

