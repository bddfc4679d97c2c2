/**
 * ES module entry points for the snapshot's preloaded SDK packages. Node 20 imports a CommonJS package from an
 * ES module by reading its file again, detecting its format and running its export lexer over it — about 50 ms
 * for client-dynamodb's 178 KB, at every ES-module cold start, even though the snapshot already holds the module.
 * So the sandbox's walked SDK folder (/var/node_modules, blueprint.ts) is a tree of links to the provided SDK in
 * which each preloaded package is a folder of links to its files, with its own package.json: `import` resolves
 * to a small generated ES module that takes the CommonJS module (a module-cache hit: the runtime client fills the
 * cache from the snapshot) and names its exports, listed when the blob was checked; `require` and subpaths resolve
 * to the package's own files as before — an exports map does no extension or index lookup, so the map lists the
 * subpaths CommonJS would complete (`dist-cjs/index` → `dist-cjs/index.js`). A function's own copy (its
 * node_modules, a layer) is found first, as before.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, type Dirent } from "node:fs";
import { join } from "node:path";

/** Where the sandbox sees the provided SDK (NODE_PATH's last folder). */
export const SDK_INSIDE = "/var/runtime/node_modules";
/** The generated entry point's file name inside a preloaded package's folder. */
export const ESM_ENTRY = "skyport-esm.mjs";
/** A file at the tree's root naming the SDK folder it stands in for: bootstrap/node-client.cjs (esmFallback) reads it and registers no ES module hook for that folder. */
export const SHIM_MARK = ".skyport-sdk";

/** CommonJS's completions of a subpath, in its order: the file with an extension first, then the folder's index. */
const COMPLETIONS = [".js", ".json", ".node"];
/** Bounds the walk of a package for those subpaths (the preloaded packages have 30–150 files). */
const MAX_SUBPATHS = 4000;

const IDENT = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(["default", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null", "package", "private", "protected", "public", "return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield"]);

/** The ES module standing in for a CommonJS package whose `main` is `main` and whose exports are `names`. */
export function esmEntry(main: string, names: string[]): string {
  const ok = [...new Set(names)].filter((n) => IDENT.test(n) && !RESERVED.has(n));
  return (
    `import { createRequire } from "node:module";\n` +
    `const m = createRequire(import.meta.url)(${JSON.stringify(main.startsWith(".") ? main : `./${main}`)});\n` +
    `export default m;\n` +
    (ok.length ? `export const { ${ok.join(", ")} } = m;\n` : "")
  );
}

/**
 * Writes the tree into `out` (replacing it whole): links to `sdkInside/<package>` (where the environment sees the
 * provided SDK, whose files are listed from `sdkHost`), and a folder for each package of `exportsByPackage`.
 */
export function writeEsmShims(out: string, sdkHost: string, sdkInside: string, exportsByPackage: Record<string, string[]>): void {
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(sdkHost)) {
    if (!entry.startsWith("@")) {
      link(entry);
      continue;
    }
    mkdirSync(join(tmp, entry), { mode: 0o755 });
    for (const sub of readdirSync(join(sdkHost, entry))) link(`${entry}/${sub}`);
  }
  writeFileSync(join(tmp, SHIM_MARK), sdkInside, { mode: 0o644 });
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);

  function link(name: string): void {
    const names = exportsByPackage[name];
    const pkgFile = join(sdkHost, name, "package.json");
    if (!names || !existsSync(pkgFile)) return symlinkSync(join(sdkInside, name), join(tmp, name));
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as Record<string, unknown>;
    const main = typeof pkg.main === "string" ? pkg.main : "./index.js";
    if (pkg.exports !== undefined) return symlinkSync(join(sdkInside, name), join(tmp, name)); // a package that maps its own entry points
    const dir = join(tmp, name);
    mkdirSync(dir, { mode: 0o755 });
    for (const f of readdirSync(join(sdkHost, name))) if (f !== "package.json") symlinkSync(join(sdkInside, name, f), join(dir, f));
    const dot = main.startsWith(".") ? main : `./${main}`;
    const exportsMap = { ".": { import: `./${ESM_ENTRY}`, default: dot }, ...completedSubpaths(join(sdkHost, name)), "./package.json": "./package.json", "./*": "./*" };
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...pkg, exports: exportsMap }), { mode: 0o644 });
    writeFileSync(join(dir, ESM_ENTRY), esmEntry(dot, names), { mode: 0o644 });
  }
}

/**
 * The subpaths `require` completes in a package folder, each mapped to its file: `x` → `x.js` (or .json, .node) and a
 * folder `d` → `d/index.js` — what an exports map must spell out for `require("pkg/dist-cjs/index")` to keep working.
 */
function completedSubpaths(pkgDir: string): Record<string, string> {
  const map: Record<string, string> = {};
  let n = 0;
  const add = (subpath: string, file: string) => {
    if (n >= MAX_SUBPATHS || subpath in map) return; // the first completion wins: a file before a folder's index
    map[subpath] = file;
    n++;
  };
  /** Adds the completions in the folder `rel` and below; returns the names of its files. */
  const walk = (rel: string, depth: number): Set<string> => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(pkgDir, rel), { withFileTypes: true });
    } catch {
      return new Set();
    }
    const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    for (const ext of COMPLETIONS) {
      for (const f of files) {
        const bare = f.slice(0, -ext.length);
        if (f.endsWith(ext) && !files.has(bare)) add(`./${rel}${bare}`, `./${rel}${f}`); // a file named as asked is taken as it is
      }
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === "node_modules" || depth >= 12) continue;
      const inside = walk(`${rel}${e.name}/`, depth + 1);
      const index = COMPLETIONS.find((ext) => inside.has(`index${ext}`));
      if (index) add(`./${rel}${e.name}`, `./${rel}${e.name}/index${index}`);
    }
    return files;
  };
  walk("", 0);
  return map;
}
