/**
 * HTTPS on the API port, beside plain HTTP: the first byte of each new connection says which (0x16 opens a
 * TLS handshake, no HTTP method starts with it), so `https://{apiId}.execute-api.localhost:PORT/{stage}` —
 * the endpoint functions build for the @connections API from their event — reaches the same server. The
 * certificate comes from a local CA Skyport creates once per data dir with the openssl CLI; functions trust
 * it through NODE_EXTRA_CA_CERTS / AWS_CA_BUNDLE (lambda/runtime/blueprint.ts). Plain HTTP pays one peek
 * per connection, nothing per request.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { createSecureContext, TLSSocket, type SecureContext } from "node:tls";
import type { Logger } from "../core/log.js";

const TLS_HANDSHAKE = 0x16;
/** Names the server certificate covers. `*.localhost` alone is refused by clients (a wildcard over a TLD). */
const SERVER_NAMES = ["DNS:localhost", "DNS:*.execute-api.localhost", "DNS:*.s3.localhost", "IP:127.0.0.1", "IP:0:0:0:0:0:0:0:1"];

/** Where the CA certificate lives: the only TLS file functions see (bound read-only in the sandbox). */
export function caCertificatePath(dataDir: string): string {
  return join(dataDir, "tls", "public", "ca.pem");
}

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  caPath: string;
}

/**
 * The data dir's certificate, created on first use: a CA (kept in tls/private, 0700) and a server
 * certificate it signs. Undefined, with a warning, when the openssl CLI is missing: HTTPS is then not served.
 */
export function ensureCertificate(dataDir: string, log?: Logger): TlsMaterial | undefined {
  const dir = join(dataDir, "tls");
  const priv = join(dir, "private");
  const caPath = caCertificatePath(dataDir);
  const keyPath = join(priv, "server.key");
  const certPath = join(priv, "server.pem");
  if (!(existsSync(caPath) && existsSync(keyPath) && existsSync(certPath))) {
    try {
      mkdirSync(priv, { recursive: true, mode: 0o700 });
      mkdirSync(join(dir, "public"), { recursive: true, mode: 0o755 });
      chmodSync(join(dir, "public"), 0o755);
      const caKey = join(priv, "ca.key");
      const csr = join(priv, "server.csr");
      const ext = join(priv, "server.ext");
      const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
      openssl(["req", "-x509", ...ec, "-keyout", caKey, "-out", caPath, "-days", "3650", "-subj", "/CN=Skyport local CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
      openssl(["req", ...ec, "-keyout", keyPath, "-out", csr, "-subj", "/CN=localhost"]);
      writeFileSync(ext, `subjectAltName=${SERVER_NAMES.join(",")}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n`);
      openssl(["x509", "-req", "-in", csr, "-CA", caPath, "-CAkey", caKey, "-CAserial", join(priv, "ca.srl"), "-CAcreateserial", "-days", "825", "-out", certPath, "-extfile", ext]);
      chmodSync(caPath, 0o644);
      rmSync(csr, { force: true });
    } catch (e) {
      rmSync(caPath, { force: true });
      log?.warn(`HTTPS is not served on the API port: could not create a certificate with openssl (${(e as Error).message.split("\n")[0]})`);
      return undefined;
    }
  }
  return { key: readFileSync(keyPath), cert: Buffer.concat([readFileSync(certPath), readFileSync(caPath)]), caPath };
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
}

/**
 * Makes `server` answer TLS connections too: its own connection listener receives either the socket (plain
 * HTTP) or a server-side TLSSocket over it. The first chunk read is put back before either sees it.
 */
export function acceptTlsOnSamePort(server: Server, material: TlsMaterial): void {
  const [listener] = server.listeners("connection") as Array<(socket: Socket) => void>;
  if (!listener) return;
  let context: SecureContext | undefined;
  server.removeListener("connection", listener);
  server.on("connection", (socket: Socket) => {
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) {
        context ??= createSecureContext({ key: material.key, cert: material.cert });
        const secure = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ["http/1.1"] });
        secure.on("error", () => secure.destroy());
        listener.call(server, secure);
      } else {
        listener.call(server, socket);
        socket.resume();
      }
    });
  });
}
