import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Paths of a throwaway CA and a server certificate it signed for 127.0.0.1 and localhost. */
export interface TestCertificates {
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
}

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Creates a CA and a server certificate in `directory` with openssl. */
export function createTestCertificates(directory: string): TestCertificates {
  const caKey = join(directory, "ca.key");
  const caPath = join(directory, "ca.pem");
  const keyPath = join(directory, "server.key");
  const csrPath = join(directory, "server.csr");
  const certPath = join(directory, "server.pem");
  const extensions = join(directory, "server.ext");
  openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    caKey,
    "-out",
    caPath,
    "-days",
    "1",
    "-subj",
    "/CN=Threadline interop test CA",
  ]);
  openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    csrPath,
    "-subj",
    "/CN=127.0.0.1",
  ]);
  writeFileSync(
    extensions,
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  openssl([
    "x509",
    "-req",
    "-in",
    csrPath,
    "-CA",
    caPath,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-out",
    certPath,
    "-days",
    "1",
    "-extfile",
    extensions,
  ]);
  return { caPath, certPath, keyPath };
}
