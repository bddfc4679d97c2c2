/**
 * Building the node runtime's V8 startup snapshot: bootstrap/node-snapshot.cjs (the runtime client and the AWS
 * SDK modules functions use most) bundled into one script with esbuild — `node --build-snapshot` takes a single
 * file — then `node --build-snapshot` on it, then a check that the blob starts. Node 20 cannot snapshot http,
 * https, net, tls, zlib, worker_threads and friends ("not yet fully verified" built-ins; http fails outright), so
 * the bundle gets a lazy stand-in for each: their functions are looked up on first use, after deserialization.
 * Only plain data (`constants`, numbers, strings) is copied into the stand-in, since modules such as the SDK's
 * http handler destructure `constants` at load time.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BOOTSTRAPS = join(dirname(fileURLToPath(import.meta.url)), "bootstrap");
const require = createRequire(import.meta.url);

/** The specifiers the snapshot preloads (bootstrap/node-snapshot.cjs requires exactly these). */
export const PRELOADED = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@aws-sdk/client-s3"];

/** Built-ins Node 20's snapshot builder supports (lib/internal/main/mksnapshot.js); the others are made lazy. */
const SNAPSHOT_SAFE = new Set([
  "_stream_duplex", "_stream_passthrough", "_stream_readable", "_stream_transform", "_stream_wrap", "_stream_writable", "assert", "assert/strict",
  "buffer", "console", "constants", "crypto", "diagnostics_channel", "dns", "events", "fs", "fs/promises", "os", "path", "path/posix", "path/win32",
  "process", "punycode", "querystring", "stream", "stream/promises", "string_decoder", "timers", "timers/promises", "url", "util", "util/types", "v8",
]);
const BUILTINS = new Set(builtinModules);

/** Where `npm run build` leaves a bundle made in advance (beside the bootstrap, keyed like the cache's). */
export const PREBUILT_BUNDLE = (key: string): string => join(BOOTSTRAPS, `node-snapshot.bundle-${key}.cjs`);

/** What changes the bundle: the bootstrap's sources, the SDK's versions, node's. */
export function bundleKey(): string {
  const h = createHash("sha256");
  for (const f of ["node-client.cjs", "node-snapshot.cjs", "snapshot-warmup.cjs"]) h.update(readFileSync(join(BOOTSTRAPS, f)));
  for (const p of PRELOADED) {
    try {
      h.update(`${p}@${(JSON.parse(readFileSync(require.resolve(`${p}/package.json`), "utf8")) as { version: string }).version}`);
    } catch {
      h.update(`${p}@none`);
    }
  }
  h.update(process.version);
  return h.digest("hex").slice(0, 16);
}

function lazyBuiltin(name: string): string {
  const mod = require(`node:${name}`) as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  const lazy: string[] = [];
  for (const k of Object.keys(mod)) {
    const v = mod[k];
    if (v === null || ["string", "number", "boolean"].includes(typeof v) || (k === "constants" && isPlainData(v))) data[k] = v;
    else lazy.push(k);
  }
  return (
    `let m;\nconst load = () => m || (m = __skyportRequire(${JSON.stringify(`node:${name}`)}));\n` +
    `Object.assign(exports, ${JSON.stringify(data)});\n` +
    `for (const k of ${JSON.stringify(lazy)}) Object.defineProperty(exports, k, { enumerable: true, get: () => load()[k] });\n`
  );
}

function isPlainData(v: unknown, depth = 0): boolean {
  if (depth > 4) return false;
  if (v === null || ["string", "number", "boolean"].includes(typeof v)) return true;
  if (Array.isArray(v)) return v.every((x) => isPlainData(x, depth + 1));
  return typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every((x) => isPlainData(x, depth + 1));
}

/** Bundles bootstrap/node-snapshot.cjs with the SDK from `nodeModules` into one CommonJS script. */
export async function bundleSnapshotEntry(nodeModules: string): Promise<string> {
  const esbuild = await import("esbuild"); // a dev dependency: without it there is no snapshot (plain start)
  const r = await esbuild.build({
    entryPoints: [join(BOOTSTRAPS, "node-snapshot.cjs")],
    bundle: true,
    write: false,
    platform: "node",
    format: "cjs",
    target: "node20",
    nodePaths: [nodeModules],
    logLevel: "silent",
    // The builder's require loads built-ins only; after deserialization it is still the one the stand-ins use.
    banner: { js: "const __skyportRequire = require;" },
    plugins: [
      {
        name: "lazy-builtins",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) => {
            const name = a.path.startsWith("node:") ? a.path.slice(5) : a.path;
            if (!BUILTINS.has(name)) return undefined;
            if (SNAPSHOT_SAFE.has(name)) return { path: `node:${name}`, external: true };
            return { path: name, namespace: "lazy-builtin" };
          });
          b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (a) => ({ contents: lazyBuiltin(a.path), loader: "js" }));
        },
      },
    ],
  });
  return r.outputFiles[0]!.text;
}

/** Runs a command to its end (bounded, or killed on the signal), at the lowest CPU priority: building never competes with invocations. */
export function run(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const add = (d: Buffer) => (out = (out + d.toString("utf8")).slice(-4000));
    child.stdout.on("data", add);
    child.stderr.on("data", add);
    try {
      if (child.pid) (require("node:os") as typeof import("node:os")).setPriority(child.pid, 19);
    } catch {}
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(kill, opts.timeoutMs);
    opts.signal?.addEventListener("abort", kill, { once: true });
    if (opts.signal?.aborted) kill();
    const finish = (r: { code: number | null; out: string }) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", kill);
      resolve(r);
    };
    child.on("error", (e) => finish({ code: -1, out: String(e) }));
    child.on("close", (code) => finish({ code, out }));
  });
}
