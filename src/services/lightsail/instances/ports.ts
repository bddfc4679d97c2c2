/**
 * Public ports: for each TCP port an instance has open, Skyport listens on the instance's public address
 * (127.x.y.z — Linux routes all of 127/8 to loopback) on the SAME port number and forwards each accepted
 * connection to privateIp:PORT inside the instance's network namespace. A connection from a source outside
 * the rule's CIDRs is reset at once; a port that is not open has no listener (connection refused).
 *
 * Ports below 1024 need root (Skyport runs as root here; otherwise binding fails, the port stays unreachable
 * and a warning is logged). Port 22 is left to the SSH server (ssh-ops.ts). UDP rules are stored, not forwarded.
 * Range rules open every port of the range up to MAX_PORTS_PER_INSTANCE listeners.
 */
import { BlockList, createConnection, createServer, isIPv4, type Server, type Socket } from "node:net";
import type { Logger } from "../../../core/log.js";

export const MAX_PORTS_PER_INSTANCE = 64;
export const SSH_PORT = 22;

export interface PortRule {
  fromPort: number;
  toPort: number;
  protocol: string;
  cidrs: string[];
}

/** An allow-list of IPv4 CIDRs (an empty list allows nobody, 0.0.0.0/0 everybody). */
export function allowList(cidrs: string[]): BlockList {
  const b = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split("/");
    if (addr && isIPv4(addr)) b.addSubnet(addr, bits === undefined ? 32 : Number(bits), "ipv4");
  }
  return b;
}

interface Listener {
  server: Server;
  sockets: Set<Socket>;
}

export class PortForwarder {
  /** "publicIp:port" → listener. */
  private readonly listeners = new Map<string, Listener>();

  constructor(private readonly log: Logger) {}

  /** Makes the listeners of `address` exactly those of `rules`, forwarding to `target`. */
  async apply(address: string, target: string, rules: PortRule[]): Promise<void> {
    const wanted = new Map<number, BlockList>();
    for (const r of rules) {
      if (r.protocol !== "tcp" && r.protocol !== "all") continue;
      for (let p = r.fromPort; p <= r.toPort && wanted.size < MAX_PORTS_PER_INSTANCE; p++) {
        if (p === SSH_PORT || p < 1 || p > 65535) continue;
        const allow = wanted.get(p) ?? new BlockList();
        for (const c of r.cidrs) {
          const [a, bits] = c.split("/");
          if (a && isIPv4(a)) allow.addSubnet(a, bits === undefined ? 32 : Number(bits), "ipv4");
        }
        wanted.set(p, allow);
      }
    }
    for (const [key, l] of this.listeners) {
      const [addr, port] = key.split(":");
      if (addr === address && !wanted.has(Number(port))) this.closeListener(key, l);
    }
    await Promise.all([...wanted].map(([port, allow]) => this.listen(address, port, target, allow)));
  }

  /** Closes every listener of `address` (instance stopped, address moved). */
  closeAll(address: string): void {
    for (const [key, l] of this.listeners) if (key.startsWith(`${address}:`)) this.closeListener(key, l);
  }

  close(): void {
    for (const [key, l] of this.listeners) this.closeListener(key, l);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  private closeListener(key: string, l: Listener): void {
    this.listeners.delete(key);
    l.server.close();
    for (const s of l.sockets) s.destroy();
  }

  private listen(address: string, port: number, target: string, allow: BlockList): Promise<void> {
    const key = `${address}:${port}`;
    const existing = this.listeners.get(key);
    if (existing) {
      (existing.server as Server & { allow: BlockList }).allow = allow;
      return Promise.resolve();
    }
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const from = client.remoteAddress?.replace(/^::ffff:/, "") ?? "";
      if (!isIPv4(from) || !(server as Server & { allow: BlockList }).allow.check(from, "ipv4")) {
        client.resetAndDestroy();
        return;
      }
      const upstream = createConnection({ host: target, port });
      sockets.add(client);
      sockets.add(upstream);
      const done = () => {
        sockets.delete(client);
        sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", done).on("close", done);
      upstream.on("error", () => (client.destroyed ? undefined : client.resetAndDestroy())).on("close", done);
      client.pipe(upstream);
      upstream.pipe(client);
    }) as Server & { allow: BlockList };
    server.allow = allow;
    this.listeners.set(key, { server, sockets });
    return new Promise((resolve) => {
      server.once("error", (e) => {
        this.log.warn(`lightsail: cannot listen on ${key}: ${(e as Error).message}`);
        this.listeners.delete(key);
        resolve();
      });
      server.listen(port, address, () => resolve());
    });
  }
}
