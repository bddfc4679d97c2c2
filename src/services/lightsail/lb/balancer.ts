/**
 * A Lightsail load balancer's running side: an HTTP reverse proxy on the balancer's own loopback address
 * (127.x.y.z, port 80 — Lightsail balancers listen on 80, and on 443 once a certificate is attached) that
 * spreads requests round-robin over the attached instances that pass their health checks, reaching each on
 * its private address and the balancer's instance port (the private network: the instance's firewall,
 * which governs public traffic, does not apply).
 *
 * Health checks follow Lightsail's documented behaviour: they start when an instance is attached and run
 * every 30 seconds (configurable for tests); a GET of the health check path answering 200 passes. Two
 * consecutive results change a target's state (initial → healthy / unhealthy), with AWS's reason codes
 * (InstanceHealthSummary). An instance that is not running is `unused` / Instance.InvalidState.
 *
 * Answers of the balancer itself are the ones an Application Load Balancer gives: 503 when no target is
 * healthy, 502 when the target fails mid-request, 504 when it does not answer within the idle timeout.
 * X-Forwarded-For/-Proto/-Port are added. Session stickiness sets the AWSALB cookie (duration-based).
 */
import { createHmac, randomBytes } from "node:crypto";
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../../../core/log.js";

export interface Target {
  /** The instance's name. */
  name: string;
  /** privateIp of a running instance; undefined when it is not running. */
  host?: string;
}

export interface TargetHealth {
  instanceName: string;
  instanceHealth: "initial" | "healthy" | "unhealthy" | "unused";
  instanceHealthReason?: string;
}

export interface BalancerSettings {
  instancePort: number;
  healthCheckPath: string;
  stickiness: boolean;
  stickinessSeconds: number;
}

export const BalancerLimits = {
  /** Consecutive results that change a target's state. */
  THRESHOLD: 2,
  HEALTH_TIMEOUT_MS: 5_000,
  /** An Application Load Balancer's default idle timeout. */
  IDLE_TIMEOUT_MS: 60_000,
  MAX_CONNECTIONS: 1_000,
} as const;

interface State {
  health: TargetHealth["instanceHealth"];
  reason?: string;
  passes: number;
  fails: number;
  checking: boolean;
}

const TARGETS_TTL_MS = 1_000;
const page = (status: string) => `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n</body>\r\n</html>\r\n`;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

export class Balancer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly states = new Map<string, State>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly cookieKey = randomBytes(16);
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private closed = false;
  /** The targets as last read (a store read per proxied request would be the balancer's largest cost). */
  private cached: { at: number; list: Target[] } | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    private settings: BalancerSettings,
    /** The attached instances as they are now (read on every round and request). */
    private readonly targets: () => Target[],
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Binds the listener and starts health checking; false when the address cannot be bound. */
  async start(): Promise<boolean> {
    const server = createServer((req, res) => this.proxy(req, res));
    server.maxConnections = BalancerLimits.MAX_CONNECTIONS;
    server.keepAliveTimeout = BalancerLimits.IDLE_TIMEOUT_MS;
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.once("close", () => this.sockets.delete(s));
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", (e) => {
        this.log.warn(`lightsail: load balancer cannot listen on ${this.address}:${this.port}: ${(e as Error).message}`);
        resolve(false);
      });
      server.listen(this.port, this.address, () => resolve(true));
    });
    if (!ok || this.closed) {
      server.close();
      return false;
    }
    this.server = server;
    this.round();
    this.timer = setInterval(() => this.round(), this.intervalMs);
    this.timer.unref();
    return true;
  }

  update(settings: BalancerSettings): void {
    const pathChanged = settings.healthCheckPath !== this.settings.healthCheckPath || settings.instancePort !== this.settings.instancePort;
    this.settings = settings;
    if (pathChanged) this.round();
  }

  /** Attached or detached instances: read again, and a new one is checked at once. */
  attached(): void {
    this.cached = undefined;
    this.round();
  }

  /** The attached instances, read again at most once a second (an instance stopping is seen within it). */
  private current(): Target[] {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= TARGETS_TTL_MS) this.cached = { at: now, list: this.targets() };
    return this.cached.list;
  }

  /** Health of every attached instance, as GetLoadBalancer reports it. */
  health(): TargetHealth[] {
    this.cached = undefined; // a control-plane read: always fresh
    return this.current().map((t) => {
      if (!t.host) return { instanceName: t.name, instanceHealth: "unused", instanceHealthReason: "Instance.InvalidState" };
      const s = this.states.get(t.name);
      if (!s) return { instanceName: t.name, instanceHealth: "initial", instanceHealthReason: "Lb.RegistrationInProgress" };
      return { instanceName: t.name, instanceHealth: s.health, ...(s.reason ? { instanceHealthReason: s.reason } : {}) };
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.server?.close();
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
  }

  private round(): void {
    if (this.closed) return;
    this.cached = undefined;
    const current = this.current();
    const names = new Set(current.map((t) => t.name));
    for (const n of this.states.keys()) if (!names.has(n)) this.states.delete(n);
    for (const t of current) {
      if (!t.host) {
        this.states.delete(t.name);
        continue;
      }
      let s = this.states.get(t.name);
      if (!s) this.states.set(t.name, (s = { health: "initial", reason: "Lb.InitialHealthChecking", passes: 0, fails: 0, checking: false }));
      if (!s.checking) void this.check(t.host, s);
    }
  }

  private async check(host: string, s: State): Promise<void> {
    s.checking = true;
    const failure = await new Promise<string | undefined>((resolve) => {
      const req = request({ host, port: this.settings.instancePort, path: this.settings.healthCheckPath, method: "GET", agent: false, timeout: BalancerLimits.HEALTH_TIMEOUT_MS, headers: { "User-Agent": "ELB-HealthChecker/2.0" } }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? undefined : "Instance.ResponseCodeMismatch");
      });
      req.on("timeout", () => {
        req.destroy();
        resolve("Instance.Timeout");
      });
      req.on("error", () => resolve("Instance.FailedHealthChecks"));
      req.end();
    });
    s.checking = false;
    if (failure === undefined) {
      s.fails = 0;
      if (++s.passes >= BalancerLimits.THRESHOLD) Object.assign(s, { health: "healthy", reason: undefined });
    } else {
      s.passes = 0;
      if (++s.fails >= BalancerLimits.THRESHOLD) Object.assign(s, { health: "unhealthy", reason: failure });
    }
  }

  /** The target for a request: the sticky one while it stays healthy, else the next healthy one in turn. */
  private pick(req: IncomingMessage): { target: Target & { host: string }; setCookie?: string } | undefined {
    const healthy = this.current().filter((t): t is Target & { host: string } => !!t.host && this.states.get(t.name)?.health === "healthy");
    if (healthy.length === 0) return undefined;
    if (this.settings.stickiness) {
      const cookie = /(?:^|;\s*)AWSALB=([^;]+)/.exec(String(req.headers.cookie ?? ""))?.[1];
      const sticky = cookie ? healthy.find((t) => this.cookieFor(t.name) === cookie) : undefined;
      const target = sticky ?? healthy[this.next++ % healthy.length]!;
      return { target, setCookie: `AWSALB=${this.cookieFor(target.name)}; Expires=${new Date(Date.now() + this.settings.stickinessSeconds * 1000).toUTCString()}; Path=/` };
    }
    return { target: healthy[this.next++ % healthy.length]! };
  }

  /** An opaque cookie value per instance (the instance's name is not revealed). */
  private cookieFor(name: string): string {
    return createHmac("sha256", this.cookieKey).update(name).digest("base64url").slice(0, 32);
  }

  private proxy(req: IncomingMessage, res: ServerResponse): void {
    const fail = (status: string, code: number) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(code, { Server: "awselb/2.0", "Content-Type": "text/html", Connection: "keep-alive" }).end(page(status));
    };
    const chosen = this.pick(req);
    if (!chosen) return fail("503 Service Temporarily Unavailable", 503);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const from = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${String(req.headers["x-forwarded-for"])}, ${from}` : from;
    headers["x-forwarded-proto"] = "http";
    headers["x-forwarded-port"] = String(this.port);
    const upstream = request({ host: chosen.target.host, port: this.settings.instancePort, method: req.method, path: req.url, headers, agent: this.agent, timeout: BalancerLimits.IDLE_TIMEOUT_MS }, (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      if (chosen.setCookie) out["set-cookie"] = [...(Array.isArray(out["set-cookie"]) ? out["set-cookie"] : out["set-cookie"] ? [out["set-cookie"]] : []), chosen.setCookie];
      res.writeHead(up.statusCode ?? 502, up.statusMessage, out);
      up.pipe(res);
      up.on("error", () => res.destroy());
    });
    upstream.on("timeout", () => {
      upstream.destroy();
      fail("504 Gateway Time-out", 504);
    });
    upstream.on("error", () => fail("502 Bad Gateway", 502));
    req.pipe(upstream);
    req.on("error", () => upstream.destroy());
  }
}
