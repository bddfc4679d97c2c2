/**
 * Starts a whole Skyport: store, service host, edge and the HTTP server on one port. Used by the CLI
 * and, in process, by the tests. `close()` stops accepting, lets in-flight requests finish, stops the
 * providers (and their child processes) and closes the store.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDataDir, resolveConfig, type Config } from "../cli/config.js";
import { prepareRuntime } from "../runtime/startup.js";
import { SkyportError } from "../aws/errors.js";
import { parseSigV4, verifySigV4 } from "../aws/sigv4.js";
import { systemClock, type Clock } from "../core/clock.js";
import { randomIds, type IdGenerator } from "../core/ids.js";
import { createLogger, type Logger } from "../core/log.js";
import { createEdge, type DataPlane } from "../edge/edge.js";
import { createUpgradeHandler } from "../services/apigatewayv2/websocket/upgrade-entry.js";
import { ServiceHost } from "../services/host.js";
import { DATA_PLANES } from "../services/data-planes.js";
import { Store } from "../store/store.js";
import { acceptTlsOnSamePort, ensureCertificate } from "./tls.js";

export const VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export interface StartOptions {
  clock?: Clock;
  ids?: IdGenerator;
  log?: Logger;
}

export interface RunningSkyport {
  config: Config;
  /** http://host:port */
  url: string;
  port: number;
  store: Store;
  services: ServiceHost;
  close(): Promise<void>;
}

export async function startSkyport(config: Config, options: StartOptions = {}): Promise<RunningSkyport> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const log = options.log ?? createLogger(config.logLevel, undefined, config.logFormat);
  const lambdaSandbox = prepareRuntime(config.lambdaSandbox, log);
  let dataDir = config.dataDir;
  if (config.ephemeral) dataDir = mkdtempSync(join(tmpdir(), "skyport-"));
  else checkDataDir(dataDir);
  const effective: Config = { ...config, dataDir, lambdaSandbox };

  const store = new Store({ dir: dataDir, durable: config.durable, backgroundCheckpoints: true });
  const services = new ServiceHost();
  services.init({ store, clock, ids, config: effective, log });
  const startedAt = clock.now();
  const dataPlanes: DataPlane[] = DATA_PLANES.map((p) => p(services));

  let draining = false;
  const edge = createEdge({
    config: effective, clock, ids, log, services, dataPlanes, writeGroup: store,
    draining: () => draining,
    internal: {
      version: VERSION,
      startedAt,
      now: () => clock.now(),
      startedServices: () => services.started(),
      serviceHealth: () => services.health(),
      reset: async () => {
        store.reset();
        await services.reset();
      },
      adminRoutes: effective.adminRoutes,
      enforceSigV4: effective.enforceSigV4,
      verify: (req) => verifySigV4({ method: req.method, rawPath: req.path, rawQuery: req.rawQuery, headers: req.headers, body: req.body }, parseSigV4(req.headers, new URLSearchParams(req.rawQuery)), "json", (id) => services.credentials.lookup(id), clock.now()),
    },
  });

  const server: Server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000, headersTimeout: 60_000 }, edge);
  // HTTPS on the same port (functions reach execute-api hosts over https), and WebSocket upgrades.
  const certificate = ensureCertificate(dataDir, log);
  const sniffing = acceptTlsOnSamePort(server, certificate);
  server.on("upgrade", createUpgradeHandler(services, log, () => draining));
  // openssl may still be writing into the data dir (tls/private): removing it under openssl's feet fails.
  const cleanup = async () => {
    await certificate;
    await store.close();
    if (config.ephemeral) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    await cleanup();
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") throw new SkyportError(`port ${config.port} on ${config.host} is already in use; stop what runs there or choose another with --port or SKYPORT_PORT`);
    if (err.code === "EACCES") throw new SkyportError(`not allowed to listen on ${config.host}:${config.port}; use a port above 1023`);
    if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") throw new SkyportError(`cannot bind ${config.host}: no such local address`);
    throw e;
  }
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  const port = (server.address() as AddressInfo).port;
  const loopback = config.host === "0.0.0.0" || config.host === "::" || config.host === "localhost" ? "127.0.0.1" : config.host;
  services.localEndpoint = `http://${loopback.includes(":") ? `[${loopback}]` : loopback}:${port}`;
  // Background work persisted before a restart resumes now, not on the first API call.
  await services.startPendingWork();
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  let closing: Promise<void> | undefined;
  return {
    config: effective,
    url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    store,
    services,
    close() {
      closing ??= (async () => {
        // Drain: refuse new requests, let invocations in flight finish (bounded), then stop listening.
        draining = true;
        await services.drain(Date.now() + config.shutdownTimeoutMs);
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        sniffing?.closeSilent();
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        await done;
        clearTimeout(force);
        await services.close();
        await cleanup();
      })();
      return closing;
    },
  };
}

/** A Skyport for tests: ephemeral, on a free loopback port, quiet. */
export function startTestSkyport(overrides: Record<string, string | boolean> = {}, options: StartOptions = {}): Promise<RunningSkyport> {
  const config = resolveConfig({ port: "0", ephemeral: true, "log-level": "error", ...overrides }, {});
  return startSkyport(config, options);
}
