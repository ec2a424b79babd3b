/**
 * Certificates for a local control plane: one CA, a serving certificate for kube-apiserver (localhost,
 * 127.0.0.1 and the in-cluster service names), a client certificate for the admin user (group
 * system:masters, used by plumb, kubectl, the controller-manager, the scheduler and kwok), and the key pair
 * that signs service-account tokens. ECDSA P-256 throughout: fast to generate, accepted by Go's TLS stack.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import "reflect-metadata";
import { generateKeyPairSync, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface PemPair {
  cert: string;
  key: string;
}

export interface ClusterCertificates {
  ca: PemPair;
  apiserver: PemPair;
  admin: PemPair;
  /** Service-account token signing key (PKCS#8) and its public key (SPKI). */
  serviceAccount: { key: string; pub: string };
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

function serial(): string {
  return webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "7");
}

/** Generates a fresh set of certificates valid for `days` days. */
export async function generateCertificates(days = 30): Promise<ClusterCertificates> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + days * 86_400_000);

  const caKeys = await keyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=plumb-local-ca",
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  async function leaf(subject: string, usage: x509.ExtendedKeyUsage, sans?: x509.JsonGeneralName[]): Promise<PemPair> {
    const keys = await keyPair();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ];
    if (sans) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions,
    });
    return { cert: cert.toString("pem"), key: await privatePem(keys.privateKey) };
  }

  const apiserver = await leaf("CN=kube-apiserver", x509.ExtendedKeyUsage.serverAuth, [
    { type: "dns", value: "localhost" },
    { type: "dns", value: "kubernetes" },
    { type: "dns", value: "kubernetes.default" },
    { type: "dns", value: "kubernetes.default.svc" },
    { type: "dns", value: "kubernetes.default.svc.cluster.local" },
    { type: "ip", value: "127.0.0.1" },
    { type: "ip", value: "10.96.0.1" },
  ]);
  const admin = await leaf("CN=plumb-admin, O=system:masters", x509.ExtendedKeyUsage.clientAuth);

  const sa = generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });

  return {
    ca: { cert: caCert.toString("pem"), key: await privatePem(caKeys.privateKey) },
    apiserver,
    admin,
    serviceAccount: { key: sa.privateKey, pub: sa.publicKey },
  };
}

/**
 * A self-signed server certificate for `hosts` (DNS names or IP addresses), valid for `days` days: what
 * `plumb server` serves HTTPS with when it is given no certificate (clients must skip verification or
 * trust this one, as with Argo CD's generated argocd-server certificate).
 */
export async function selfSignedServerCertificate(hosts: string[], days = 365): Promise<PemPair> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=plumb-server, O=plumb",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + days * 86_400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h }))),
    ],
  });
  return { cert: cert.toString("pem"), key: await privatePem(keys.privateKey) };
}
