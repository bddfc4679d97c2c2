/**
 * Configuration: CLI flags over SKYPORT_* environment variables over defaults, validated once into a
 * typed object. Every error is a SkyportError with a plain, actionable message.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { availableParallelism, totalmem } from "node:os";
import { SkyportError } from "../aws/errors.js";
import type { LogFormat, LogLevel } from "../core/log.js";

export interface Config {
  port: number;
  host: string;
  /** Where the database and blobs live; for --ephemeral a temp dir removed at exit. */
  dataDir: string;
  ephemeral: boolean;
  region: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  enforceSigV4: boolean;
  /** Authorize every request against IAM policies (implies enforceSigV4). */
  enforceIam: boolean;
  /** Access key id → secret, for --enforce-sigv4. */
  credentials: Map<string, string>;
  /** fsync every commit (survives power loss, not just kill -9). */
  durable: boolean;
  /** Lambda: how long an idle execution environment stays warm. */
  lambdaIdleMs: number;
  /** Graceful shutdown: how long work in flight (invocations) may take to finish. */
  shutdownTimeoutMs: number;
  /** Lambda: the account's concurrency limit. */
  lambdaAccountConcurrency: number;
  /** Function environments initialising at once, and the memory all of them may take together (scheduler.ts). */
  lambdaLimits: { maxStarting: number; memoryBudgetMb: number; estimateMb: number };
  /** Spare node environments kept ready per class in use. */
  lambdaSpares: number;
  /** Start node environments from a V8 startup snapshot (runtime/snapshot.ts) once it is built. */
  lambdaSnapshot: boolean;
  /** Skyport's state-changing internal routes (/_skyport/reset); off with --no-admin-routes. */
  adminRoutes: boolean;
  /** Lambda: run environments inside bubblewrap ("auto": when bwrap is installed). */
  lambdaSandbox: "auto" | "bubblewrap" | "off";
  /** Lambda: how long a new function stays Pending and an update InProgress (0: the next event-loop turn). */
  lambdaStateMs?: number;
  /** DynamoDB: how long a new table stays CREATING (0: ACTIVE at once, the default for tests' sake). */
  dynamodbCreateMs?: number;
  /** Lightsail: UDP+TCP port of the authoritative DNS server on 127.0.0.1 (undefined: no DNS server). */
  dnsPort?: number;
  /** Lightsail: SMTP server for contact-method emails (smtp://host:port); undefined: written to the outbox. */
  smtpUrl?: string;
  /** Lightsail: where emails and SMS are written when not sent (default <data dir>/outbox). */
  outboxDir?: string;
  /** Lightsail: the SSH port on every running instance's address (0: no SSH server). */
  sshPort?: number;
  /** WebSocket APIs: a connection closes after this long without messages, and after maxMs in all (AWS: 10 min, 2 h). */
  websocketLimits?: { idleMs: number; maxMs: number };
  /** API Gateway: the account-level throttle per region (AWS's default quota: 10,000 rps, 5,000 burst). */
  apigatewayThrottle?: { rateLimit: number; burstLimit: number };
  /** Lightsail: blueprint id → OCI image reference (--lightsail-blueprint-image, repeatable). */
  lightsailBlueprintImages?: Record<string, string>;
  /** Lightsail: the period of instance metrics and alarms in ms (AWS: 5 minutes); shorter for tests and demos. */
  lightsailMetricPeriodMs?: number;
  /** Lightsail load balancers: health check interval (--lightsail-health-check-seconds; AWS: 30 s). */
  lightsailHealthCheckMs?: number;
}

export interface OptionSpec {
  flag: string;
  env: string;
  type: "string" | "boolean";
  default: string;
  help: string;
  /** The flag may be given several times (values joined with commas; the env var takes them comma-separated). */
  multiple?: boolean;
}

/** Every option of `skyport start`, in the order the help and README show them. */
export const OPTIONS: Record<string, OptionSpec> = {
  port: { flag: "port", env: "SKYPORT_PORT", type: "string", default: "4566", help: "TCP port for every service" },
  host: { flag: "host", env: "SKYPORT_HOST", type: "string", default: "127.0.0.1", help: "address to bind (0.0.0.0 for all interfaces)" },
  "data-dir": { flag: "data-dir", env: "SKYPORT_DATA_DIR", type: "string", default: "./.skyport", help: "directory for the database and blobs" },
  ephemeral: { flag: "ephemeral", env: "SKYPORT_EPHEMERAL", type: "boolean", default: "false", help: "keep all state in a temp dir deleted at exit" },
  region: { flag: "region", env: "SKYPORT_REGION", type: "string", default: "us-east-1", help: "region for requests that name none" },
  "log-level": { flag: "log-level", env: "SKYPORT_LOG_LEVEL", type: "string", default: "info", help: "debug | info | warn | error | silent" },
  "log-format": { flag: "log-format", env: "SKYPORT_LOG_FORMAT", type: "string", default: "text", help: "text | json: one line per event (JSON objects for log shippers)" },
  "enforce-sigv4": { flag: "enforce-sigv4", env: "SKYPORT_ENFORCE_SIGV4", type: "boolean", default: "false", help: "verify SigV4 signatures" },
  "enforce-iam": { flag: "enforce-iam", env: "SKYPORT_ENFORCE_IAM", type: "boolean", default: "false", help: "authorize every request against IAM policies (implies --enforce-sigv4; --credentials keys stay all-powerful)" },
  credentials: { flag: "credentials", env: "SKYPORT_CREDENTIALS", type: "string", default: "test:test", help: "KEY:SECRET[,KEY:SECRET...] accepted with --enforce-sigv4" },
  "no-admin-routes": { flag: "no-admin-routes", env: "SKYPORT_NO_ADMIN_ROUTES", type: "boolean", default: "false", help: "turn off the state-changing internal routes (/_skyport/reset)" },
  durable: { flag: "durable", env: "SKYPORT_DURABLE", type: "boolean", default: "false", help: "fsync every commit (slower writes)" },
  "shutdown-timeout-seconds": { flag: "shutdown-timeout-seconds", env: "SKYPORT_SHUTDOWN_TIMEOUT_SECONDS", type: "string", default: "30", help: "on SIGTERM/SIGINT, how long invocations in flight may take to finish" },
  "lambda-idle-seconds": { flag: "lambda-idle-seconds", env: "SKYPORT_LAMBDA_IDLE_SECONDS", type: "string", default: "300", help: "how long idle function environments stay warm" },
  "lambda-concurrency": { flag: "lambda-concurrency", env: "SKYPORT_LAMBDA_CONCURRENCY", type: "string", default: "1000", help: "account concurrency limit for functions" },
  "lambda-max-starting": { flag: "lambda-max-starting", env: "SKYPORT_LAMBDA_MAX_STARTING", type: "string", default: "cores", help: "function environments initialising at once (default: the number of cores); more requests wait" },
  "lambda-memory-mb": { flag: "lambda-memory-mb", env: "SKYPORT_LAMBDA_MEMORY_MB", type: "string", default: "auto", help: "memory all function environments may take together (measured PSS); default 1/32 of the machine's, 256–1024" },
  "lambda-spares": { flag: "lambda-spares", env: "SKYPORT_LAMBDA_SPARES", type: "string", default: "1", help: "node and python environments kept started ahead, per runtime and memory size in use, so a cold start skips the runtime's start (0: none)" },
  "lambda-snapshot": { flag: "lambda-snapshot", env: "SKYPORT_LAMBDA_SNAPSHOT", type: "string", default: "on", help: "on | off: start node environments from a V8 startup snapshot holding the runtime and the AWS SDK (built in the background, at first use)" },
  "lambda-sandbox": { flag: "lambda-sandbox", env: "SKYPORT_LAMBDA_SANDBOX", type: "string", default: "auto", help: "auto | bubblewrap | off: isolate function environments with bubblewrap" },
  "lambda-state-ms": { flag: "lambda-state-ms", env: "SKYPORT_LAMBDA_STATE_MS", type: "string", default: "0", help: "how long a new function stays Pending and an update InProgress, in milliseconds" },
  "dns-port": { flag: "dns-port", env: "SKYPORT_DNS_PORT", type: "string", default: "", help: "UDP+TCP port on 127.0.0.1 of the authoritative DNS server for Lightsail domains (none when not given)" },
  "smtp-url": { flag: "smtp-url", env: "SKYPORT_SMTP_URL", type: "string", default: "", help: "smtp://HOST:PORT for Lightsail contact-method emails (default: written to the outbox directory)" },
  "ssh-port": { flag: "ssh-port", env: "SKYPORT_SSH_PORT", type: "string", default: "2222", help: "Lightsail: SSH port on each running instance's own address (port 22 is served too when Skyport runs as root); 0: no SSH server" },
  outbox: { flag: "outbox", env: "SKYPORT_OUTBOX", type: "string", default: "", help: "directory for Lightsail emails and SMS not sent (default <data dir>/outbox)" },
  "apigateway-rate": { flag: "apigateway-rate", env: "SKYPORT_APIGATEWAY_RATE", type: "string", default: "10000", help: "API Gateway account-level throttle: requests per second per region (AWS's default quota)" },
  "apigateway-burst": { flag: "apigateway-burst", env: "SKYPORT_APIGATEWAY_BURST", type: "string", default: "5000", help: "API Gateway account-level throttle: burst per region" },
  "lightsail-blueprint-image": { flag: "lightsail-blueprint-image", env: "SKYPORT_LIGHTSAIL_BLUEPRINT_IMAGE", type: "string", default: "", multiple: true, help: "BLUEPRINT=IMAGE (repeatable): the OCI image a Lightsail blueprint runs (skyport:busybox = a rootfs from the host's busybox)" },
  "lightsail-health-check-seconds": { flag: "lightsail-health-check-seconds", env: "SKYPORT_LIGHTSAIL_HEALTH_CHECK_SECONDS", type: "string", default: "30", help: "interval of Lightsail load balancer health checks (AWS: 30) — shorter for tests and demos" },
  "lightsail-metric-period-seconds": { flag: "lightsail-metric-period-seconds", env: "SKYPORT_LIGHTSAIL_METRIC_PERIOD_SECONDS", type: "string", default: "300", help: "period of Lightsail alarms (AWS: 300); instances are sampled and alarms evaluated 5 times a period — shorter for tests and demos" },
  "dynamodb-create-seconds": { flag: "dynamodb-create-seconds", env: "SKYPORT_DYNAMODB_CREATE_SECONDS", type: "string", default: "0", help: "how long a new DynamoDB table stays CREATING" },
  "websocket-idle-seconds": { flag: "websocket-idle-seconds", env: "SKYPORT_WEBSOCKET_IDLE_SECONDS", type: "string", default: "600", help: "WebSocket API connections idle this long are closed (AWS: 10 minutes)" },
  "websocket-max-seconds": { flag: "websocket-max-seconds", env: "SKYPORT_WEBSOCKET_MAX_SECONDS", type: "string", default: "7200", help: "WebSocket API connections are closed after this long (AWS: 2 hours)" },
};

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error", "silent"];
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** Resolves and validates the configuration. `flags` holds parsed CLI values (undefined when not given). */
export function resolveConfig(flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv = process.env): Omit<Config, "dataDir"> & { dataDir: string } {
  const raw = (name: string): string => {
    const spec = OPTIONS[name]!;
    const f = flags[name];
    if (f !== undefined) return String(f);
    return env[spec.env] ?? spec.default;
  };
  const bool = (name: string): boolean => {
    const v = raw(name).toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off", ""].includes(v)) return false;
    throw new SkyportError(`--${name} (${OPTIONS[name]!.env}) must be true or false, not "${v}"`);
  };
  const int = (name: string, min: number, max: number): number => {
    const v = raw(name);
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new SkyportError(`--${name} (${OPTIONS[name]!.env}) must be a whole number from ${min} to ${max}, not "${v}"`);
    return n;
  };

  const port = int("port", 0, 65535);
  const region = raw("region");
  if (!REGION.test(region)) throw new SkyportError(`--region must look like an AWS region (e.g. us-east-1), not "${region}"`);
  const logLevel = raw("log-level") as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new SkyportError(`--log-level must be one of ${LEVELS.join(", ")}, not "${logLevel}"`);
  const logFormat = raw("log-format") as LogFormat;
  if (logFormat !== "text" && logFormat !== "json") throw new SkyportError(`--log-format must be text or json, not "${logFormat}"`);
  const credentials = new Map<string, string>();
  for (const pair of raw("credentials").split(",").filter(Boolean)) {
    const i = pair.indexOf(":");
    if (i <= 0) throw new SkyportError(`--credentials takes KEY:SECRET pairs separated by commas, not "${pair}"`);
    credentials.set(pair.slice(0, i), pair.slice(i + 1));
  }
  const snapshot = raw("lambda-snapshot");
  if (snapshot !== "on" && snapshot !== "off") throw new SkyportError(`--lambda-snapshot must be on or off, not "${snapshot}"`);
  const sandbox = raw("lambda-sandbox");
  if (sandbox !== "auto" && sandbox !== "bubblewrap" && sandbox !== "off") throw new SkyportError(`--lambda-sandbox must be auto, bubblewrap or off, not "${sandbox}"`);
  return {
    port,
    host: raw("host"),
    dataDir: resolve(raw("data-dir")),
    ephemeral: bool("ephemeral"),
    region,
    logLevel,
    logFormat,
    enforceSigV4: bool("enforce-sigv4") || bool("enforce-iam"),
    enforceIam: bool("enforce-iam"),
    credentials,
    adminRoutes: !bool("no-admin-routes"),
    durable: bool("durable"),
    lambdaIdleMs: int("lambda-idle-seconds", 0, 86400) * 1000,
    shutdownTimeoutMs: int("shutdown-timeout-seconds", 0, 3600) * 1000,
    lambdaAccountConcurrency: int("lambda-concurrency", 1, 100000),
    lambdaSpares: int("lambda-spares", 0, 16),
    lambdaSnapshot: snapshot === "on",
    lambdaLimits: {
      maxStarting: raw("lambda-max-starting") === "cores" ? Math.max(1, availableParallelism()) : int("lambda-max-starting", 1, 1024),
      memoryBudgetMb: raw("lambda-memory-mb") === "auto" ? Math.min(1024, Math.max(256, Math.floor(totalmem() / 32 / 1024 / 1024))) : int("lambda-memory-mb", 64, 1024 * 1024),
      // A node runtime with the SDK loaded, until the function's own environments are measured.
      estimateMb: 48,
    },
    lambdaSandbox: sandbox,
    lambdaStateMs: int("lambda-state-ms", 0, 600000),
    dynamodbCreateMs: int("dynamodb-create-seconds", 0, 3600) * 1000,
    dnsPort: raw("dns-port") === "" ? undefined : int("dns-port", 0, 65535),
    smtpUrl: smtpUrl(raw("smtp-url")),
    outboxDir: raw("outbox") === "" ? undefined : resolve(raw("outbox")),
    sshPort: int("ssh-port", 0, 65535),
    websocketLimits: { idleMs: int("websocket-idle-seconds", 1, 86400) * 1000, maxMs: int("websocket-max-seconds", 1, 86400) * 1000 },
    apigatewayThrottle: { rateLimit: int("apigateway-rate", 0, 100_000_000), burstLimit: int("apigateway-burst", 0, 100_000_000) },
    lightsailBlueprintImages: blueprintImages(raw("lightsail-blueprint-image")),
    lightsailMetricPeriodMs: int("lightsail-metric-period-seconds", 1, 300) * 1000,
    lightsailHealthCheckMs: int("lightsail-health-check-seconds", 1, 300) * 1000,
  };
}

/** BLUEPRINT=IMAGE pairs, comma-separated. */
function blueprintImages(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of v.split(",").map((p) => p.trim()).filter(Boolean)) {
    const i = pair.indexOf("=");
    if (i <= 0 || i === pair.length - 1) throw new SkyportError(`--lightsail-blueprint-image takes BLUEPRINT=IMAGE (e.g. debian_12=debian:12), not "${pair}"`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

function smtpUrl(v: string): string | undefined {
  if (v === "") return undefined;
  if (!/^smtp:\/\/[^\s/:]+(:\d{1,5})?\/?$/.test(v)) throw new SkyportError(`--smtp-url must look like smtp://HOST:PORT, not "${v}"`);
  return v;
}

/** Makes sure the data directory exists and is writable, or says plainly why not. */
export function checkDataDir(dir: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new SkyportError(`data dir ${dir} exists and is not a directory`);
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof SkyportError) throw e;
    throw new SkyportError(`data dir ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? String(e)}); choose another with --data-dir or SKYPORT_DATA_DIR`);
  }
}
