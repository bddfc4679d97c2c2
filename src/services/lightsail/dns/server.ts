/**
 * The authoritative DNS server for Lightsail domains: UDP and TCP on one port of 127.0.0.1 (--dns-port).
 * Only moves bytes; answers come from DnsResponder over the in-memory ZoneIndex.
 * TCP follows RFC 7766: two-byte length framing, several queries per connection, idle connections closed.
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import { DnsResponder } from "./resolve.js";
import type { ZoneIndex } from "./zones.js";

const TcpLimits = {
  IDLE_MS: 10_000,
  MAX_CONNECTIONS: 256,
  /** Bytes buffered per connection before a full message: one maximal message and its length prefix. */
  MAX_BUFFERED_BYTES: 65537,
} as const;

/** Picks of a free port (--dns-port 0) before giving up when TCP finds the UDP pick taken. */
const ANY_PORT_ATTEMPTS = 10;

export class DnsServer {
  private udp?: Socket;
  private tcp?: Server;
  private readonly connections = new Set<TcpSocket>();
  private readonly responder: DnsResponder;

  constructor(zones: ZoneIndex, private readonly host = "127.0.0.1") {
    this.responder = new DnsResponder(zones);
  }

  /**
   * Binds UDP and TCP on `port` (0: any free port, the same for both); resolves to the port bound. With 0, the UDP
   * port the kernel picked may be taken for TCP (a connection's local port): another pick, a few times.
   */
  async listen(port: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.listenOnce(port);
      } catch (e) {
        if (port !== 0 || (e as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= ANY_PORT_ATTEMPTS) throw e;
      }
    }
  }

  private async listenOnce(port: number): Promise<number> {
    const udp = createSocket({ type: "udp4", reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, this.host, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    const bound = udp.address().port;
    udp.on("error", () => undefined); // a send to a vanished client: nothing to do
    udp.on("message", (msg, rinfo) => {
      const out = this.responder.respond(msg, "udp");
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
    this.udp = udp;
    const tcp = createServer((sock) => this.serveTcp(sock));
    tcp.maxConnections = TcpLimits.MAX_CONNECTIONS;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(bound, this.host, () => {
          tcp.off("error", reject);
          resolve();
        });
      });
    } catch (e) {
      udp.close();
      this.udp = undefined;
      throw e;
    }
    this.tcp = tcp;
    return bound;
  }

  private serveTcp(sock: TcpSocket): void {
    this.connections.add(sock);
    sock.setTimeout(TcpLimits.IDLE_MS, () => sock.destroy());
    sock.on("close", () => this.connections.delete(sock));
    sock.on("error", () => sock.destroy());
    let pending: Buffer = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (pending.length > TcpLimits.MAX_BUFFERED_BYTES) return sock.destroy();
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const out = this.responder.respond(msg, "tcp");
        if (!out) return sock.destroy();
        const framed = Buffer.allocUnsafe(2 + out.length);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        sock.write(framed);
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.connections) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }
}
