/**
 * Which host interpreter runs a managed runtime: `python3.12` runs on a `python3.12` found on PATH, else on
 * `python3`; `nodejs22.x` on Skyport's own node (the only node it knows). When the version differs from the
 * runtime's, the function's log says so at init — Skyport never pretends. Looked up once per runtime.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface Interpreter {
  /** The real executable (version managers' shims resolved: a shim would not run inside the sandbox). */
  command: string;
  /** Python: where boto3 comes from when the interpreter has none of its own (the system's copy). */
  sdkPath?: string;
  /** The version that runs, e.g. "3.11.2" or "20.20.2". */
  version: string;
  /** Set when it is not the runtime's version: the log line saying so. */
  mismatch?: string;
}

const cache = new Map<string, Interpreter>();

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Debian's python3-boto3 lives here; pure Python, usable by any python3 as a fallback. */
const SYSTEM_DIST_PACKAGES = "/usr/lib/python3/dist-packages";

function probePython(command: string): { executable: string; version: string; boto3: boolean } | undefined {
  const code = "import platform, sys, importlib.util; print(sys.executable); print(platform.python_version()); print(importlib.util.find_spec('boto3') is not None)";
  const r = spawnSync(command, ["-c", code], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) return undefined;
  const [executable = command, version = "unknown", boto3 = "False"] = r.stdout.trim().split("\n");
  return { executable, version, boto3: boto3 === "True" };
}

/** The interpreter for a python runtime (`python3.12`) or a nodejs one (`nodejs22.x`). */
export function interpreterFor(runtime: string): Interpreter {
  let i = cache.get(runtime);
  if (i) return i;
  const py = /^python(\d+\.\d+)$/.exec(runtime);
  if (py) {
    const probe = (onPath(`python${py[1]}`) && probePython(`python${py[1]}`)) || probePython("python3");
    const version = probe?.version ?? "unknown";
    i = { command: probe?.executable ?? "python3", version };
    if (probe && !probe.boto3 && existsSync(join(SYSTEM_DIST_PACKAGES, "boto3"))) i.sdkPath = SYSTEM_DIST_PACKAGES;
    if (!version.startsWith(`${py[1]}.`)) i.mismatch = `[Skyport] ${runtime} is not installed on this host: the function runs on Python ${version}`;
  } else {
    const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
    const version = process.versions.node;
    i = { command: process.execPath, version };
    if (major && version.split(".")[0] !== major) i.mismatch = `[Skyport] ${runtime} is not installed on this host: the function runs on Node.js ${version}`;
  }
  cache.set(runtime, i);
  return i;
}

/** The INIT_START line Lambda writes at a cold start, naming the runtime version that really runs. */
export function initStartLine(runtime: string, i: Interpreter, region: string): string {
  const family = runtime.startsWith("python") ? "python" : "nodejs";
  return `INIT_START Runtime Version: ${family}:${i.version}.skyport\tRuntime Version ARN: arn:aws:lambda:${region}::runtime:skyport-${family}-${i.version}`;
}
