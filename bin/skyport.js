#!/usr/bin/env node
// The `skyport` command. The TypeScript sources are compiled to dist/ by `npm run build` (run by `npm ci`).
import { existsSync } from "node:fs";
const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("skyport: dist/ is missing — run `npm run build` (or `npm ci`) in the project first.");
  process.exit(1);
}
await import(main.href);
