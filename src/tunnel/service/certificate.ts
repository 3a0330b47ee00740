/**
 * The service's self-signed certificate: EC P-256, made with @peculiar/x509. Its SHA-256 fingerprint is what
 * clients pin, obtained out of band (never through the relay: a relay could otherwise hand out its own).
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { bytesToHex } from '../../encoding/hex.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface ServiceCertificate {
  certPem: string;
  /** Unencrypted PKCS#8; the caller encrypts it before it touches the disk. */
  keyPem: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function createServiceCertificate(
  serviceId: string,
  validDays = 825,
): Promise<ServiceCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: bytesToHex(webcrypto.getRandomValues(new Uint8Array(16))).replace(/^[89a-f]/, '1'),
    name: `CN=${serviceId}, O=Sealwire service`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validDays * 86_400_000),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: serviceId }]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return { certPem: cert.toString('pem'), keyPem };
}
