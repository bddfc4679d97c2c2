// `npm run bench [-- suite ...] [--seconds N]`: builds Skyport, makes sure the load generator (wrk, from
// Debian) and the npm peers in bench/package.json are installed, then runs bench/run.ts.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
if (!have("wrk")) {
  console.log("installing wrk (Debian package) ...");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  execFileSync(sudo[0] ?? "apt-get", [...sudo.slice(1), ...(sudo.length ? ["apt-get"] : []), "install", "-y", "-qq", "wrk"], { stdio: "inherit" });
}
execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { stdio: "inherit" });
if (!existsSync(join(root, "bench/node_modules"))) {
  console.log("installing benchmark peers (bench/package.json) ...");
  execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: join(root, "bench"), stdio: "inherit" });
}
const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench/run.ts"), ...process.argv.slice(2)], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
