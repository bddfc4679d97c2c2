/**
 * `skyport start|status|reset|help|version`. Errors of Skyport itself are printed as one plain line and
 * exit non-zero — never a stack trace.
 */
import { parseArgs } from "node:util";
import { SkyportError } from "../aws/errors.js";
import { OPTIONS, resolveConfig } from "./config.js";

const HELP = `Skyport — AWS-compatible API Gateway, Lambda, DynamoDB and more on one port

Usage:
  skyport start [options]     start the server
  skyport status [--port N]   print the health of a running server
  skyport reset [--port N]    wipe all state of a running server
  skyport image import FILE [--tag REPO:TAG] [--data-dir DIR]
                              import an oci-archive/docker-archive image (into ECR with --tag)
  skyport version

Options of start (each also from its environment variable):
${Object.values(OPTIONS).map((o) => `  --${(o.flag + (o.type === "string" ? " <v>" : "")).padEnd(26)}${o.env.padEnd(30)}${o.help} (default ${o.default})`).join("\n")}
`;

async function main(argv: string[]): Promise<number> {
  const [command = "help", ...rest] = argv;
  if (command === "image") return (await import("./image.js")).imageCommand(rest);
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const o of Object.values(OPTIONS)) options[o.flag] = { type: o.type, ...(o.multiple ? { multiple: true } : {}) };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new SkyportError(`${(e as Error).message.split("\n")[0]}\nRun \`skyport help\` for the options.`);
  }
  switch (command) {
    case "start":
      return start(values);
    case "status":
      return status(values);
    case "reset":
      return reset(values);
    case "version":
    case "--version": {
      const { VERSION } = await import("../server/skyport.js");
      console.log(VERSION);
      return 0;
    }
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return 0;
    default:
      throw new SkyportError(`unknown command "${command}"\n${HELP}`);
  }
}

async function start(values: Record<string, string | boolean | undefined>): Promise<number> {
  const config = resolveConfig(values);
  const { startSkyport, VERSION } = await import("../server/skyport.js");
  const { SERVICES } = await import("../services/index.js");
  let running: Awaited<ReturnType<typeof startSkyport>> | undefined;
  let stopping = false;
  const close = () =>
    running!.close().then(
      () => process.exit(0),
      (e) => {
        console.error(`skyport: error while stopping: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  const stop = (signal: string) => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    if (config.logLevel !== "silent") process.stdout.write(`\n${signal}: stopping (finishing in-flight requests)...\n`);
    if (running) void close(); // else: closed as soon as the start completes, so nothing it created is left behind
  };
  // Before the start: a signal while the store opens and providers boot must still remove what they created.
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  running = await startSkyport(config);
  if (stopping) {
    void close();
    return -1;
  }
  const enabled = Object.entries(SERVICES).filter(([, e]) => e.status !== "planned").map(([n, e]) => (e.status === "partial" ? `${n} (partial)` : n));
  if (config.logLevel !== "silent") {
    process.stdout.write(
      `Skyport ${VERSION} ready on ${running.url}  (region ${config.region}, ${config.ephemeral ? "ephemeral state" : `data in ${running.config.dataDir}`})\n` +
        `  services: ${enabled.join(", ")}\n` +
        `  try:      aws --endpoint-url ${running.url} sts get-caller-identity\n`,
    );
  }
  return -1; // keep running
}

function baseUrl(values: Record<string, string | boolean | undefined>): string {
  const c = resolveConfig(values);
  const host = c.host === "0.0.0.0" ? "127.0.0.1" : c.host;
  return `http://${host}:${c.port}`;
}

async function status(values: Record<string, string | boolean | undefined>): Promise<number> {
  const url = baseUrl(values);
  try {
    const r = await fetch(`${url}/_skyport/health`, { signal: AbortSignal.timeout(3000) });
    const h = (await r.json()) as { version: string; uptimeSeconds: number; services: Record<string, { status: string; started: boolean }> };
    console.log(`Skyport ${h.version} at ${url}: running for ${h.uptimeSeconds} s`);
    for (const [name, s] of Object.entries(h.services)) console.log(`  ${name.padEnd(26)}${s.status.padEnd(11)}${s.started ? "started" : ""}`);
    return 0;
  } catch {
    console.error(`skyport: no Skyport answers at ${url}`);
    return 1;
  }
}

async function reset(values: Record<string, string | boolean | undefined>): Promise<number> {
  const url = baseUrl(values);
  try {
    // Signed with the first --credentials key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), for servers that enforce SigV4.
    const { signRequest } = await import("../aws/sigv4.js");
    const c = resolveConfig(values);
    const [keyId, secret] = process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY ? [process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY] : [...c.credentials][0] ?? ["test", "test"];
    const headers = signRequest({ method: "POST", url: `${url}/_skyport/reset`, accessKeyId: keyId, secret, sessionToken: process.env.AWS_SESSION_TOKEN, region: c.region, service: "skyport" });
    delete headers.host;
    const r = await fetch(`${url}/_skyport/reset`, { method: "POST", headers, signal: AbortSignal.timeout(30000) });
    if (r.status === 403 || r.status === 404) {
      console.error(`skyport: the server at ${url} refused the reset (${r.status}): ${await r.text()}`);
      return 1;
    }
    if (!r.ok) throw new Error(String(r.status));
    console.log(`Skyport at ${url}: all state wiped`);
    return 0;
  } catch {
    console.error(`skyport: no Skyport answers at ${url}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e) => {
    if (e instanceof SkyportError) console.error(`skyport: ${e.message}`);
    else console.error(`skyport: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
