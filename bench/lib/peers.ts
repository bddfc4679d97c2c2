/** serverless-offline (serverless@3) serving a handler on an `http` event and on its Lambda invoke port. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startProcess, type Started } from "./servers.js";

const benchDir = new URL("..", import.meta.url).pathname;

export interface Offline extends Started {
  lambdaUrl: string;
  functionName: string;
}

/**
 * Starts serverless-offline with `handlerSource` (CommonJS, exporting `handler`) on GET /dev/<path> (an `http`
 * event; `httpApi`: GET /<path>, no stage segment), with
 * `environment` as the functions' environment variables.
 */
export async function startServerlessOffline(handlerSource: string, path = "hello", environment: Record<string, string> = {}, event: "http" | "httpApi" = "http"): Promise<Offline> {
  const dir = mkdtempSync(join(tmpdir(), "skyport-sls-"));
  writeFileSync(join(dir, "handler.js"), handlerSource);
  writeFileSync(
    join(dir, "serverless.yml"),
    `service: skyport-bench\nframeworkVersion: "3"\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  region: us-east-1\n${Object.keys(environment).length ? `  environment:\n${Object.entries(environment).map(([k, v]) => `    ${k}: "${v}"\n`).join("")}` : ""}plugins:\n  - serverless-offline\nfunctions:\n  hello:\n    handler: handler.handler\n    events:\n      - ${event}:\n          path: ${event === "httpApi" ? `/${path}` : path}\n          method: get\n`,
  );
  symlinkSync(join(benchDir, "node_modules"), join(dir, "node_modules"));
  const httpPort = await freePort();
  const lambdaPort = await freePort();
  const s = await startProcess("serverless-offline", process.execPath, [join(benchDir, "node_modules/serverless/bin/serverless.js"), "offline", "--httpPort", String(httpPort), "--lambdaPort", String(lambdaPort)], httpPort, "/", {
    anyStatus: true, cwd: dir, env: { SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off", SLS_DEPRECATION_DISABLE: "*" }, timeoutMs: 120_000,
  });
  s.proc.once("exit", () => rmSync(dir, { recursive: true, force: true })); // its service directory goes with it
  return { ...s, lambdaUrl: `http://127.0.0.1:${lambdaPort}`, functionName: "skyport-bench-dev-hello" };
}
