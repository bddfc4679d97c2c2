// `npm test`: type-checks the project, then runs every *.test.ts under src/ and test/ with node's test
// runner (through tsx). `npm test -- path-substring ...` runs only the matching files and skips the type check.
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

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
// The tests run the aws CLI hundreds of times. Where it is a pyenv shim (a bash script that runs `pyenv exec`),
// each call costs ~0.7 s more than the program itself: the tests get the directory pyenv would pick first on
// their PATH — the same programs, without the detour.
const env = { ...process.env };
const awsOnPath = (env.PATH ?? "").split(":").map((d) => join(d, "aws")).find((f) => existsSync(f));
if (awsOnPath && basename(dirname(awsOnPath)) === "shims") {
  const real = spawnSync("pyenv", ["which", "aws"], { encoding: "utf8" });
  if (real.status === 0 && real.stdout.trim()) env.PATH = `${dirname(real.stdout.trim())}:${env.PATH}`;
}
// The runner's TAP output passes through as it comes; the failures are printed again at the end, where a
// CI log's tail shows them.
const run = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", ...files], { stdio: ["inherit", "pipe", "inherit"], cwd: root, env });
const failures = [];
let current = null;
createInterface({ input: run.stdout }).on("line", (line) => {
  process.stdout.write(line + "\n");
  if (/^\s*not ok \d+ - /.test(line)) failures.push((current = [line]));
  else if (current) {
    current.push(line);
    if (/^\s*\.\.\.$/.test(line) || current.length > 40) current = null;
  }
});
run.on("close", (code, signal) => {
  if (failures.length) {
    console.log(`\n# ${failures.length} failing (subtests and the suites that hold them):`);
    for (const f of failures) console.log(f.join("\n"));
  }
  process.exit(code ?? (signal ? 1 : 0));
});
