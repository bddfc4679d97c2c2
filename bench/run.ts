/**
 * Benchmark runner: `npm run bench [-- suite ...] [--seconds N]`. Each suite in bench/suites/ starts
 * Skyport and the peers that run here side by side and prints a table with ratios. Results are also
 * written to bench/results/<timestamp>.md. Bounded: every load runs for --seconds (default 5).
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface BenchOptions {
  seconds: number;
}

const here = new URL(".", import.meta.url).pathname;
const args = process.argv.slice(2);
let seconds = 5;
const wanted: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--seconds") seconds = Number(args[++i]);
  else wanted.push(args[i]!);
}
const suites = readdirSync(join(here, "suites")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort((a, b) => (a === "foundation" ? -1 : b === "foundation" ? 1 : a.localeCompare(b)));
const selected = wanted.length ? suites.filter((s) => wanted.includes(s)) : suites;
let report = `# Skyport benchmarks ${new Date().toISOString()}\n\nMachine: ${(await import("node:os")).cpus().length} cores; load by wrk in a second process; ${seconds} s per measurement.\n`;
for (const name of selected) {
  console.log(`\n### suite ${name}`);
  const mod = (await import(`./suites/${name}.ts`)) as { default: (o: BenchOptions) => Promise<string> };
  try {
    report += await mod.default({ seconds });
  } catch (e) {
    console.error(`suite ${name} failed: ${(e as Error).stack}`);
    report += `\n## ${name}: failed — ${(e as Error).message}\n`;
  }
}
mkdirSync(join(here, "results"), { recursive: true });
const file = join(here, "results", `${new Date().toISOString().replace(/[:.]/g, "-")}.md`);
writeFileSync(file, report);
console.log(`\nwritten to ${file}`);
process.exit(0);
