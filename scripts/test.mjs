// `npm test`: type-checks the project, then runs every *.test.ts under src/ and test/ with node's test
// runner (through tsx). `npm test -- path-substring ...` runs only the matching files and skips the type check.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
function walk(dir, acc = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, acc);
    else if (name.endsWith(".test.ts")) acc.push(relative(root, p));
  }
  return acc;
}
const filters = process.argv.slice(2);
let files = [...walk(join(root, "src")), ...walk(join(root, "test"))].sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (!files.length) { console.error("no test files matched"); process.exit(1); }
if (!filters.length) {
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", root], { stdio: "inherit", cwd: root });
  if (tsc.status !== 0) { console.error("type check failed"); process.exit(tsc.status ?? 1); }
}
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", ...files], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
