/**
 * A Skyport in its own process on a data directory, for tests that kill it (-9) and start it again on the same
 * state and port (see freePort): `start` resolves once the banner says it is ready. The server logs a line per
 * request on stderr: a pipe nobody reads fills up and blocks it, so stderr is drained.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/** Whether `port` on 127.0.0.1 can be listened on now. */
export const listenable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

/**
 * A free port on 127.0.0.1 below the kernel's ephemeral range (ip_local_port_range), for a server a test stops and
 * starts again on the same port: the kernel never gives such a port to an outgoing connection or to a listen on
 * port 0, so no other test's traffic can take it while the server is down.
 */
export async function freePort(): Promise<number> {
  const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  const top = Number.isInteger(low) && low > 11_000 ? low : 32_768;
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
    if (await listenable(port)) return port;
  }
}

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
