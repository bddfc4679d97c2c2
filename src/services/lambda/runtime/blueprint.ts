/**
 * How a function version's execution environment is launched: the command per runtime family (host node under
 * the flags Lambda's nodejs bootstrap passes — heap sized to the memory, gc exposed —, host python3, or the zip's
 * own bootstrap), the environment variables Lambda sets, AWS_ENDPOINT_URL pointing at Skyport, and the search paths
 * of the function's layers. With the sandbox, paths are the ones inside it (/var/task, /var/runtime/node_modules);
 * layers stay on their host paths.
 */
import { existsSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hostPathOf, layeredTaskRoot, SKYPORT_NODE_MODULES } from "../code.js";
import { Limits, RUNTIMES } from "../constants.js";
import type { Layers } from "../layers.js";
import type { FunctionRow } from "../store.js";
import type { LaunchSpec } from "../../../runtime/process-launcher.js";
import type { EnvironmentBlueprint, EnvironmentCredentials, SpareTemplate } from "./environment.js";
import { SDK_INSIDE } from "./esm-shims.js";
import { initStartLine, interpreterFor } from "./interpreters.js";
import type { NodeSnapshots } from "./snapshot.js";
import { usesBoto3, usesPreloadedSdk } from "./sdk-usage.js";

const BOOTSTRAPS = join(dirname(fileURLToPath(import.meta.url)), "bootstrap");
/** Where the sandbox sees the directory of the node runtime's snapshot blob (runtime/snapshot.ts). */
const SNAPSHOT_INSIDE = "/var/runtime/snapshot";
/**
 * The provided SDK also sits where node's own module lookup from /var/task finds it (a parent's node_modules), so
 * ES module imports find it with no module hook (the bootstrap registers one only when NODE_PATH has more: layers).
 * Not with layers: there NODE_PATH's order (layers before the SDK) must decide, as on Lambda (outside the sandbox such a
 * function runs from a copy of its code away from the SDK link, code.ts layeredTaskRoot). Once a snapshot blob
 * is ready this is the tree of links in which the preloaded packages have ES module entry points (esm-shims.ts).
 */
const SDK_WALKED_INSIDE = "/var/node_modules";
/** Where the sandbox sees the directory of Skyport's CA certificate (server/tls.ts). */
const CA_DIR_INSIDE = "/var/runtime/ca";

/** Skyport's CA certificate (server/tls.ts keeps it at tls/public/ca.pem in the data dir), when it exists. */
export function caBundleOf(dataDir: string): string | undefined {
  const path = join(dataDir, "tls", "public", "ca.pem");
  return existsSync(path) ? path : undefined;
}

/**
 * Functions trust Skyport's HTTPS (https://{apiId}.execute-api.localhost:PORT): botocore reads AWS_CA_BUNDLE, and so
 * does Skyport's node bootstrap (bootstrap/node-client.cjs adds it to TLS contexts when the first is made: node's
 * own NODE_EXTRA_CA_CERTS costs every start ~20 ms). A custom runtime's bootstrap may be node: it gets both.
 */
function caVariables(caBundle: string | undefined, sandboxed: boolean, ownBootstrap: boolean): Record<string, string> {
  if (!caBundle) return {};
  const path = sandboxed ? `${CA_DIR_INSIDE}/ca.pem` : caBundle;
  return ownBootstrap ? { NODE_EXTRA_CA_CERTS: path, AWS_CA_BUNDLE: path } : { AWS_CA_BUNDLE: path };
}

export interface BlueprintDeps {
  codeRoot: string;
  layers: Layers;
  /** http://127.0.0.1:PORT of this Skyport. */
  endpoint: string;
  /** Environments are reused only for the same code and configuration revision. */
  envKey: string;
  /** Run inside bubblewrap: code read-only at /var/task, the SDK at /var/runtime/node_modules, private /tmp. */
  sandbox: boolean;
  /**
   * Skyport's CA certificate on the host (trusted by functions; bound read-only into the sandbox), looked up at
   * each launch: the CA is made at boot, asynchronously, and a blueprint may be kept from before it exists.
   */
  caBundle?: () => string | undefined;
  /** The node runtime's startup snapshots (none: every node environment starts plainly). */
  snapshots?: NodeSnapshots;
}

export function blueprint(deps: BlueprintDeps, account: string, region: string, name: string, version: string, row: FunctionRow, reserved?: number): EnvironmentBlueprint {
  const c = row.config;
  const family = RUNTIMES[c.Runtime ?? ""] ?? "provided";
  const layered = !deps.sandbox && !!c.Layers?.length && family === "nodejs";
  const { hostTask, hot } = codeOf(deps.codeRoot, row, layered);
  const task = deps.sandbox ? "/var/task" : hostTask;
  const sdk = deps.sandbox ? SDK_INSIDE : hot || layered ? SKYPORT_NODE_MODULES : join(hostTask, "..", "node_modules");
  const memory = c.MemorySize ?? Limits.DEFAULT_MEMORY_MB;
  const endpoint = deps.endpoint;
  let layers: ReturnType<Layers["searchPaths"]> | undefined;
  return {
    account, region, functionName: name, version, memoryMb: memory, timeoutSec: c.Timeout ?? Limits.DEFAULT_TIMEOUT_SEC, reserved, role: c.Role,
    poolKey: `${account}:${region}:${name}`,
    envKey: `${version}:${deps.envKey}`,
    initLines: initLinesFor(family, c.Runtime ?? "", region),
    launchSpec: (runtimeApi, logStream, credentials) => withExecWrapper(execWrapper(), launch(runtimeApi, logStream, credentials)),
    spare: spareEligible() ? spareTemplate() : undefined,
    startsAfter: () => {
      const checked = family === "nodejs" ? deps.snapshots?.checking(nodeFlags(memory)) : undefined;
      return checked && snapshotFor() ? checked : undefined;
    },
  };

  /** AWS_LAMBDA_EXEC_WRAPPER as the host has it outside the sandbox, where /var/task and /opt are not its paths. */
  function execWrapper(): string | undefined {
    const wrapper = c.Environment?.Variables?.AWS_LAMBDA_EXEC_WRAPPER;
    if (!wrapper || deps.sandbox) return wrapper;
    return hostPathOf(wrapper, hostTask, layerPaths().hostRoot);
  }

  /** Where the function's layers are (its /opt, and the runtimes' search paths in it): looked up once per blueprint. */
  function layerPaths(): ReturnType<Layers["searchPaths"]> {
    return (layers ??= deps.layers.searchPaths({ accountId: account, region }, (c.Layers ?? []).map((l) => l.Arn!), deps.sandbox ? "/opt" : undefined));
  }

  /** The snapshots a node environment starts from (see wantsSnapshot). */
  function snapshotFor(): NodeSnapshots | undefined {
    return deps.snapshots && wantsSnapshot(row, hostTask, hot) ? deps.snapshots : undefined;
  }

  /**
   * A node or python function with nothing that changes how its process starts (no layers to bind, no exec wrapper,
   * no NODE_* or PYTHON* variables, no live code directory) can take over a pre-started spare environment of its class.
   */
  function spareEligible(): boolean {
    if ((family !== "nodejs" && family !== "python") || hot || c.Layers?.length) return false;
    const own = family === "nodejs" ? "NODE_" : "PYTHON"; // variables the interpreter reads as it starts
    return !Object.keys(c.Environment?.Variables ?? {}).some((k) => k.startsWith(own) || k === "AWS_LAMBDA_EXEC_WRAPPER");
  }

  function spareTemplate(): SpareTemplate {
    const tmpMb = c.EphemeralStorage?.Size ?? 512;
    const env = (runtimeApi: string, logStream: string, credentials: EnvironmentCredentials, codeDir: string) => {
      const spec = launch(runtimeApi, logStream, credentials);
      if (!deps.sandbox) {
        spec.env.LAMBDA_TASK_ROOT = codeDir;
        if (spec.env.PYTHONPATH !== undefined) spec.env.PYTHONPATH = [codeDir, ...spec.env.PYTHONPATH.split(":").slice(1)].join(":");
      }
      return spec.env;
    };
    if (family === "python") {
      // Spares for functions that name boto3 import it while they wait, the others do not: two classes per version.
      const runtime = c.Runtime ?? "python3";
      const boto3 = usesBoto3(hostTask);
      return {
        classKey: `${runtime}:${memory}:${tmpMb}${boto3 ? ":boto3" : ""}`,
        hostTask,
        launch: (runtimeApi, codeDir) => pythonSpareLaunchSpec(deps.sandbox, runtime, memory, tmpMb, runtimeApi, codeDir, deps.caBundle?.(), boto3),
        env,
      };
    }
    // Spares for functions that load the preloaded SDK start from the snapshot, the others plainly: two classes.
    const sdk = deps.snapshots !== undefined && usesPreloadedSdk(hostTask);
    return {
      classKey: spareClass(memory, tmpMb) + (sdk ? ":sdk" : ""),
      hostTask,
      launch: (runtimeApi, codeDir) => spareLaunchSpec(deps.sandbox, memory, tmpMb, runtimeApi, codeDir, deps.caBundle?.(), sdk ? deps.snapshots : undefined),
      env,
    };
  }

  function launch(runtimeApi: string, logStream: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): LaunchSpec {
    const caBundle = deps.caBundle?.();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      HOME: process.env.HOME ?? "/tmp",
      ...caVariables(caBundle, deps.sandbox, family !== "nodejs" && family !== "python"),
      ...(c.Environment?.Variables ?? {}),
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime}`,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      // The environment's own temporary credentials (the function's role session), valid under --enforce-sigv4.
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_ENDPOINT_URL: endpoint,
      LAMBDA_TASK_ROOT: task,
      LAMBDA_RUNTIME_DIR: deps.sandbox ? "/var/runtime/bootstrap" : BOOTSTRAPS,
      _HANDLER: c.Handler ?? "",
    };
    // In the sandbox the layers are /opt, merged as on AWS (layers.ts).
    const opt = layerPaths();
    // Skyport itself may live under /tmp or /var (a CI clone): its bootstraps and SDK are bound in too.
    const sdkWalked: Array<[string, string]> = c.Layers?.length ? [] : [[walkedSdk(deps.snapshots), SDK_WALKED_INSIDE]];
    const sandbox = deps.sandbox ? { binds: [[hostTask, "/var/task"], [SKYPORT_NODE_MODULES, SDK_INSIDE], ...sdkWalked, [BOOTSTRAPS, "/var/runtime/bootstrap"], ...caBinds(caBundle), ...opt.binds] as Array<[string, string]>, tmpMb: c.EphemeralStorage?.Size ?? 512, cwd: "/var/task" } : undefined;
    const limits = { memoryMb: memory }; // the environment's cgroup (runtime/cgroup.ts), when there is one
    const bootstraps = deps.sandbox ? "/var/runtime/bootstrap" : BOOTSTRAPS;
    if (deps.sandbox) env.HOME = "/tmp";
    if (opt.bin.length) env.PATH = `${opt.bin.join(":")}:${env.PATH}`;
    if (family === "nodejs") {
      env.NODE_PATH = [...opt.node, sdk].join(":");
      const start = nodeStart(snapshotFor(), deps.sandbox, memory);
      if (sandbox) sandbox.binds.push(...start.binds);
      if (env.GLIBC_TUNABLES === undefined) Object.assign(env, start.env);
      return { command: process.execPath, args: start.args, cwd: hostTask, env, sandbox, limits };
    }
    if (family === "python") {
      const py = interpreterFor(c.Runtime ?? "python3");
      // boto3 as AWS's python runtimes provide it: the interpreter's own, else the system's (after the function's paths).
      env.PYTHONPATH = [task, ...opt.python, ...(py.sdkPath ? [py.sdkPath] : [])].join(":");
      env.PYTHONUNBUFFERED = "1";
      return { command: py.command, args: ["-u", join(bootstraps, "python.py")], cwd: hostTask, env, sandbox, limits };
    }
    return { command: customBootstrap(opt.hostRoot), args: [], cwd: hostTask, env, sandbox, limits };
  }

  /** A custom runtime's entry point: the code's bootstrap if it has one, else its layers' (/opt/bootstrap), as on Lambda. */
  function customBootstrap(opt: string | undefined): string {
    if (existsSync(join(hostTask, "bootstrap")) || !opt || !existsSync(join(opt, "bootstrap"))) return join(task, "bootstrap");
    return deps.sandbox ? "/opt/bootstrap" : join(opt, "bootstrap");
  }
}

/** Spares of one class serve any eligible function of it: the node heap and cgroup follow the memory size, /tmp its size. */
export function spareClass(memoryMb: number, tmpMb: number): string {
  return `nodejs:${memoryMb}:${tmpMb}`;
}

/**
 * A spare node environment: Skyport's bootstrap started in the sandbox with an empty code directory, waiting
 * for the function it will become (runtime/environments.ts hands it the function's variables; the code is
 * linked into `codeDir` on the host side, which the sandbox sees as /var/task).
 */
export function spareLaunchSpec(sandboxed: boolean, memory: number, tmpMb: number, runtimeApi: string, codeDir: string, caBundle?: string, snapshots?: NodeSnapshots): LaunchSpec {
  const { env, sandbox } = spareBase(sandboxed, tmpMb, runtimeApi, codeDir, caBundle);
  env.NODE_PATH = sandboxed ? SDK_INSIDE : SKYPORT_NODE_MODULES;
  sandbox?.binds.push([SKYPORT_NODE_MODULES, SDK_INSIDE], [walkedSdk(snapshots), SDK_WALKED_INSIDE]);
  if (!sandboxed) sdkBeside(dirname(codeDir));
  const start = nodeStart(snapshots, sandboxed, memory);
  if (sandbox) sandbox.binds.push(...start.binds);
  return { command: process.execPath, args: start.args, cwd: codeDir, env: { ...env, ...start.env }, sandbox, limits: { memoryMb: memory } };
}

/**
 * A spare python environment: Skyport's bootstrap started in the sandbox with an empty code directory, waiting for
 * the function it will become (bootstrap/python.py); with `boto3`, it imports boto3 meanwhile (SKYPORT_PRELOAD).
 * The interpreter and PYTHONPATH are the function's own (the task directory, then the provided boto3's).
 */
export function pythonSpareLaunchSpec(sandboxed: boolean, runtime: string, memory: number, tmpMb: number, runtimeApi: string, codeDir: string, caBundle: string | undefined, boto3: boolean): LaunchSpec {
  const { env, sandbox } = spareBase(sandboxed, tmpMb, runtimeApi, codeDir, caBundle);
  const task = sandboxed ? "/var/task" : codeDir;
  const py = interpreterFor(runtime);
  Object.assign(env, { LAMBDA_TASK_ROOT: task, PYTHONPATH: [task, ...(py.sdkPath ? [py.sdkPath] : [])].join(":"), PYTHONUNBUFFERED: "1" });
  if (boto3) env.SKYPORT_PRELOAD = "boto3";
  return { command: py.command, args: ["-u", join(env.LAMBDA_RUNTIME_DIR!, "python.py")], cwd: codeDir, env, sandbox, limits: { memoryMb: memory } };
}

/** What every spare has: the variables before its function's, and in the sandbox its (empty) code at /var/task. */
function spareBase(sandboxed: boolean, tmpMb: number, runtimeApi: string, codeDir: string, caBundle: string | undefined) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    HOME: sandboxed ? "/tmp" : process.env.HOME ?? "/tmp",
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    LAMBDA_RUNTIME_DIR: sandboxed ? "/var/runtime/bootstrap" : BOOTSTRAPS,
    SKYPORT_SPARE: "1",
    ...caVariables(caBundle, sandboxed, false),
  };
  const sandbox = sandboxed ? { binds: [[codeDir, "/var/task"], [BOOTSTRAPS, "/var/runtime/bootstrap"], ...caBinds(caBundle)] as Array<[string, string]>, tmpMb, cwd: "/var/task" } : undefined;
  return { env, sandbox };
}

/**
 * node's flags for a function of this memory size, those Lambda's nodejs bootstrap passes: a tenth of the memory for
 * the young generation (two semi-spaces of half of it each), the rest for the old one, `gc()` exposed and HTTP headers
 * up to 80 KB (128 MB: --max-semi-space-size=6 --max-old-space-size=116). A snapshot blob only starts under the flags
 * it was built with.
 */
export function nodeFlags(memory: number): string[] {
  const young = Math.floor(memory / 10);
  return ["--expose-gc", "--max-http-header-size=81920", `--max-semi-space-size=${Math.floor(young / 2)}`, `--max-old-space-size=${memory - young}`];
}

/**
 * At the Lambda service's start: the blob for the default memory size, when the cache holds one, is checked now
 * rather than when the first function settles (its first invocation usually follows at once).
 */
export function prepareDefaultSnapshot(snapshots: NodeSnapshots | undefined): void {
  snapshots?.prepareIfCached(nodeFlags(Limits.DEFAULT_MEMORY_MB));
}

/**
 * Gets the snapshot blob a new node function will start from ready now (checked, or built, in the background),
 * rather than at its first invocation — whose environments would otherwise start plainly meanwhile. Resolves once
 * that blob is usable (ready or failed); undefined for a function that starts plainly.
 */
export function prepareNodeSnapshot(snapshots: NodeSnapshots | undefined, codeRoot: string, row: FunctionRow): Promise<void> | undefined {
  if (!snapshots || RUNTIMES[row.config.Runtime ?? ""] !== "nodejs") return undefined;
  const { hostTask, hot } = codeOf(codeRoot, row);
  if (!existsSync(hostTask) || !wantsSnapshot(row, hostTask, hot)) return undefined;
  return snapshots.usable(nodeFlags(row.config.MemorySize ?? Limits.DEFAULT_MEMORY_MB));
}

/**
 * Where a function's code lies on the host: its unpacked task directory, or the live directory it runs in place.
 * `layered` (a node function with layers, outside the sandbox): the copy of the task directory from which node's walk
 * finds no provided SDK (code.ts, layeredTaskRoot).
 */
function codeOf(codeRoot: string, row: FunctionRow, layered = false): { hostTask: string; hot: boolean } {
  const hot = row.codeBlob.startsWith("dir:");
  if (hot) return { hostTask: row.codeBlob.slice(4), hot };
  return { hostTask: layered ? layeredTaskRoot(codeRoot, row.codeHex) : join(codeRoot, row.codeHex, "task"), hot };
}

/**
 * Whether a node function starts from the snapshot: only when its code names a preloaded SDK module (sdk-usage.ts);
 * not when NODE_OPTIONS may carry V8 flags (a blob only starts under its own) or a wrapper may add them.
 */
function wantsSnapshot(row: FunctionRow, hostTask: string, hot: boolean): boolean {
  const vars = row.config.Environment?.Variables ?? {};
  return !vars.NODE_OPTIONS && !vars.AWS_LAMBDA_EXEC_WRAPPER && usesPreloadedSdk(hostTask, hot);
}

/**
 * How node starts: from the startup snapshot for its V8 flags when that blob is ready (its directory bound
 * read-only into the sandbox), else the plain bootstrap. The heap limit follows the function's memory.
 */
function nodeStart(snapshots: NodeSnapshots | undefined, sandboxed: boolean, memory: number): { args: string[]; binds: Array<[string, string]>; env: Record<string, string> } {
  const flags = nodeFlags(memory);
  const dir = snapshots?.blobDir(flags);
  snapshots?.noteLaunch(dir !== undefined);
  if (dir === undefined) return { args: [...flags, join(sandboxed ? "/var/runtime/bootstrap" : BOOTSTRAPS, "node.cjs")], binds: [], env: {} };
  return { args: [...flags, "--snapshot-blob", join(sandboxed ? SNAPSHOT_INSIDE : dir, "node.blob")], binds: sandboxed ? [[dir, SNAPSHOT_INSIDE]] : [], env: SNAPSHOT_TUNABLES };
}

/**
 * A start from the snapshot runs with glibc's malloc on transparent huge pages: node reads the blob (~9 MB) into a
 * malloc'd buffer and deserializes the heap from it, thousands of 4 KB page faults — ~10 µs each on a paravirtualised
 * VM. CPU per start from the blob, medians of 15 alternating: 201 → 147 ms (faults 8,310 → 4,964); a plain start
 * gains nothing (71 → 68 ms). The bootstrap takes both variables out of process.env before the function's code
 * runs (its own processes do not inherit them); a function that sets GLIBC_TUNABLES itself keeps its own.
 */
const SNAPSHOT_TUNABLES: Record<string, string> = { GLIBC_TUNABLES: "glibc.malloc.hugetlb=1", SKYPORT_OWN_TUNABLES: "1" };

/** What the sandbox binds at SDK_WALKED_INSIDE: the SDK tree with ES module entry points once written (esm-shims.ts), else the SDK. */
function walkedSdk(snapshots: NodeSnapshots | undefined): string {
  return snapshots?.esmTree() ?? SKYPORT_NODE_MODULES;
}

/** A node_modules link to the provided SDK in a spare's parent directory (code.ts does the same for function code). */
function sdkBeside(dir: string): void {
  const link = join(dir, "node_modules");
  if (existsSync(link)) return;
  try {
    symlinkSync(SKYPORT_NODE_MODULES, link, "dir");
  } catch {
    // another spare made it, or the directory is read-only: the bootstrap then registers its ES module hook
  }
}

/** The CA certificate's directory (it holds nothing else), bound read-only at CA_DIR_INSIDE. */
function caBinds(caBundle: string | undefined): Array<[string, string]> {
  return caBundle ? [[dirname(caBundle), CA_DIR_INSIDE]] : [];
}

/**
 * AWS_LAMBDA_EXEC_WRAPPER: the runtime starts the wrapper script with its own command line as arguments
 * ("Modifying the runtime environment": wrapper scripts), so the script can set things up and exec it.
 */
function withExecWrapper(wrapper: string | undefined, spec: LaunchSpec): LaunchSpec {
  if (!wrapper) return spec;
  return { ...spec, command: wrapper, args: [spec.command, ...spec.args] };
}

/** What a cold start logs before the function's own output: INIT_START, and a note when the interpreter differs. */
function initLinesFor(family: string, runtime: string, region: string): string[] {
  if (family !== "nodejs" && family !== "python") return [];
  const i = interpreterFor(runtime);
  return i.mismatch ? [initStartLine(runtime, i, region), i.mismatch] : [initStartLine(runtime, i, region)];
}
