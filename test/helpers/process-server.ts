/**
 * A Skyport in its own process on a data directory, for tests that kill it (-9) and start it again on the same
 * state: `start` resolves once the banner says it is ready. The server logs a line per request on stderr: a pipe
 * nobody reads fills up and blocks it, so stderr is drained.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

export async function start(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "start", "--port", String(port), "--data-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.resume();
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready on")) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on("exit", () => reject(new Error(`server exited: ${out}`)));
  });
  return child;
}
