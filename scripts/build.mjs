// Build: transpile src/**/*.ts to dist/ file by file (no bundling, so services stay lazily imported),
// and copy the non-TS assets (service models, runtime bootstraps). Type checking is `npm run typecheck`.
import { build } from "esbuild";
import { cpSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");
const out = join(root, "dist");

function walk(dir, acc = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, acc);
    else acc.push(p);
  }
  return acc;
}

const files = walk(src);
const entryPoints = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"));
rmSync(out, { recursive: true, force: true });
await build({ entryPoints, outdir: out, outbase: src, format: "esm", platform: "node", target: "node20", logLevel: "warning", sourcemap: false });
for (const f of files) {
  if (f.endsWith(".ts")) continue;
  cpSync(f, join(out, relative(src, f)));
}

// The node runtime's startup-snapshot bundle (runtime/snapshot-build.ts), so a server without esbuild installed
// (production installs skip dev dependencies) can still build its blob; a missing bundle only means a plain start.
try {
  const { bundleKey, bundleSnapshotEntry, PREBUILT_BUNDLE } = await import(join(out, "services/lambda/runtime/snapshot-build.js"));
  const { writeFileSync } = await import("node:fs");
  writeFileSync(PREBUILT_BUNDLE(bundleKey()), await bundleSnapshotEntry(join(root, "node_modules")));
} catch (e) {
  console.warn(`build: no node snapshot bundle (${e.message}); node environments will bundle it at first use or start plainly`);
}
