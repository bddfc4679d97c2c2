/**
 * How a function version's execution environment is launched: the command per runtime family (host node
 * with the heap limit, host python3, or the zip's own bootstrap), the environment variables Lambda sets,
 * AWS_ENDPOINT_URL pointing at Skyport, and the search paths of the function's layers.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SKYPORT_NODE_MODULES } from "../code.js";
import { Limits, RUNTIMES } from "../constants.js";
import type { Layers } from "../layers.js";
import type { FunctionRow } from "../store.js";
import type { EnvironmentBlueprint } from "./environments.js";

const BOOTSTRAPS = join(dirname(fileURLToPath(import.meta.url)), "bootstrap");

export interface BlueprintDeps {
  codeRoot: string;
  layers: Layers;
  /** http://127.0.0.1:PORT of this Skyport. */
  endpoint: string;
  /** Environments are reused only for the same code and configuration revision. */
  envKey: string;
}

export function blueprint(deps: BlueprintDeps, account: string, region: string, name: string, version: string, row: FunctionRow, reserved?: number): EnvironmentBlueprint {
  const c = row.config;
  const family = RUNTIMES[c.Runtime ?? ""] ?? "provided";
  const hot = row.codeBlob.startsWith("dir:");
  const task = hot ? row.codeBlob.slice(4) : join(deps.codeRoot, row.codeHex, "task");
  const memory = c.MemorySize ?? Limits.DEFAULT_MEMORY_MB;
  const endpoint = deps.endpoint;
  return {
    account, region, functionName: name, version, memoryMb: memory, timeoutSec: c.Timeout ?? Limits.DEFAULT_TIMEOUT_SEC, reserved,
    poolKey: `${account}:${region}:${name}`,
    envKey: `${version}:${deps.envKey}`,
    launchSpec: (runtimeApi, logStream) => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        LANG: "en_US.UTF-8",
        TZ: ":UTC",
        HOME: process.env.HOME ?? "/tmp",
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
        AWS_ACCESS_KEY_ID: account,
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_SESSION_TOKEN: "skyport",
        AWS_ENDPOINT_URL: endpoint,
        LAMBDA_TASK_ROOT: task,
        LAMBDA_RUNTIME_DIR: BOOTSTRAPS,
        _HANDLER: c.Handler ?? "",
      };
      const layerPaths = deps.layers.searchPaths({ accountId: account, region }, (c.Layers ?? []).map((l) => l.Arn!));
      if (layerPaths.bin.length) env.PATH = `${layerPaths.bin.join(":")}:${env.PATH}`;
      if (family === "nodejs") {
        env.NODE_PATH = [...layerPaths.node, hot ? SKYPORT_NODE_MODULES : join(task, "..", "node_modules")].join(":");
        const heap = Math.max(32, Math.floor(memory * 0.85));
        return { command: process.execPath, args: [`--max-old-space-size=${heap}`, join(BOOTSTRAPS, "node.mjs")], cwd: task, env };
      }
      if (family === "python") {
        env.PYTHONPATH = [task, ...layerPaths.python].join(":");
        env.PYTHONUNBUFFERED = "1";
        return { command: "python3", args: ["-u", join(BOOTSTRAPS, "python.py")], cwd: task, env };
      }
      return { command: join(task, "bootstrap"), args: [], cwd: task, env };
    },
  };
}
