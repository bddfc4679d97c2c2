/**
 * The server's `upgrade` listener: WebSocket upgrades on execute-api hosts and the path-style URL go to the
 * WebSocket gateway (loaded with the apigatewaymanagementapi provider on first use); others get 404.
 * Kept apart from gateway.ts so the server imports nothing heavy.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../../../core/log.js";
import type { ServiceHost } from "../../host.js";

const EXECUTE_HOST = /^[a-z0-9]{10}\.execute-api\.localhost(:\d+)?$/i;

interface GatewayOwner {
  gateway: { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> };
}

export function createUpgradeHandler(services: ServiceHost, log: Logger, draining: () => boolean = () => false) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    const host = req.headers.host ?? "";
    const url = req.url ?? "/";
    if (draining()) return void socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    if (!EXECUTE_HOST.test(host) && !url.startsWith("/_aws/execute-api/")) return void socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    Promise.resolve(services.get("apigatewaymanagementapi"))
      .then((p) => (p as unknown as GatewayOwner).gateway.handleUpgrade(req, socket, head))
      .catch((e) => {
        log.error("WebSocket upgrade failed", e);
        if (!socket.destroyed) socket.end("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      });
  };
}
