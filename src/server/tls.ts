/**
 * HTTPS on the API port, beside plain HTTP: the first byte of each new connection says which (0x16 opens a
 * TLS handshake, no HTTP method starts with it), so `https://{apiId}.execute-api.localhost:PORT/{stage}` —
 * the endpoint functions build for the @connections API from their event — reaches the same server. The
 * certificate comes from a local CA Skyport creates once per data dir with the openssl CLI; functions trust
 * it through AWS_CA_BUNDLE (read by botocore and by the node bootstrap; lambda/runtime/blueprint.ts). Plain HTTP pays one peek
 * per connection, nothing per request. The certificate is made in the background (openssl takes ~100 ms, which a
 * start must not wait for: an --ephemeral server makes a new one each time); a TLS connection that comes first waits for it.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
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
export async function ensureCertificate(dataDir: string, log?: Logger): Promise<TlsMaterial | undefined> {
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
      await openssl(["req", "-x509", ...ec, "-keyout", caKey, "-out", caPath, "-days", "3650", "-subj", "/CN=Skyport local CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
      await openssl(["req", ...ec, "-keyout", keyPath, "-out", csr, "-subj", "/CN=localhost"]);
      writeFileSync(ext, `subjectAltName=${SERVER_NAMES.join(",")}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n`);
      await openssl(["x509", "-req", "-in", csr, "-CA", caPath, "-CAkey", caKey, "-CAserial", join(priv, "ca.srl"), "-CAcreateserial", "-days", "825", "-out", certPath, "-extfile", ext]);
      chmodSync(caPath, 0o644);
      rmSync(csr, { force: true });
    } catch (e) {
      rmSync(caPath, { force: true });
      if (!existsSync(dataDir)) return undefined; // the server stopped (an --ephemeral data dir is gone) while openssl ran
      log?.warn(`HTTPS is not served on the API port: could not create a certificate with openssl (${(e as Error).message.split("\n")[0]})`);
      return undefined;
    }
  }
  return { key: readFileSync(keyPath), cert: Buffer.concat([readFileSync(certPath), readFileSync(caPath)]), caPath };
}

const run = promisify(execFile);
async function openssl(args: string[]): Promise<void> {
  await run("openssl", args, { timeout: 30_000 });
}

/**
 * Makes `server` answer TLS connections too: its own connection listener receives either the socket (plain
 * HTTP) or a server-side TLSSocket over it. The first chunk read is put back before either sees it.
 */
export function acceptTlsOnSamePort(server: Server, material: Promise<TlsMaterial | undefined>, firstByteTimeoutMs = 60_000): { closeSilent(): void } {
  const [listener] = server.listeners("connection") as Array<(socket: Socket) => void>;
  if (!listener) return { closeSilent() {} };
  let context: SecureContext | undefined;
  // Connections that have not sent a byte yet are not the HTTP server's (its timeouts and closeIdleConnections
  // do not see them): they get a timeout of their own and are closed at shutdown.
  const silent = new Set<Socket>();
  server.removeListener("connection", listener);
  server.on("connection", (socket: Socket) => {
    silent.add(socket);
    socket.setTimeout(firstByteTimeoutMs, () => socket.destroy());
    socket.once("close", () => silent.delete(socket));
    socket.once("data", (chunk: Buffer) => {
      silent.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) {
        void material.then((m) => {
          if (!m || socket.destroyed) return socket.destroy();
          context ??= createSecureContext({ key: m.key, cert: m.cert });
          const secure = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ["http/1.1"] });
          secure.on("error", () => secure.destroy());
          listener.call(server, secure);
        });
      } else {
        listener.call(server, socket);
        socket.resume();
      }
    });
  });
  return {
    closeSilent() {
      for (const socket of silent) socket.destroy();
    },
  };
}
