/**
 * The SDK tree with ES module entry points, on a small fake SDK: other packages are links, a preloaded package's
 * `import` takes its CommonJS module through the generated entry point (same object, named exports), `require` and
 * subpaths its own files — also subpaths CommonJS completes (an extension, a folder's index) — and node itself
 * resolves it that way.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ESM_ENTRY, esmEntry, SHIM_MARK, writeEsmShims } from "./esm-shims.js";

describe("esmEntry", () => {
  test("default is the CommonJS module; names that are identifiers (not reserved words, not default) become named exports", () => {
    const src = esmEntry("./dist-cjs/index.js", ["GetItemCommand", "default", "delete", "a-b", "$x", "GetItemCommand"]);
    assert.match(src, /createRequire\(import\.meta\.url\)\("\.\/dist-cjs\/index\.js"\)/);
    assert.match(src, /export default m;/);
    assert.match(src, /export const \{ GetItemCommand, \$x \} = m;/);
    assert.equal(esmEntry("index.js", []).includes("export const"), false);
  });
});

describe("writeEsmShims", () => {
  const root = mkdtempSync(join(tmpdir(), "skyport-esm-shims-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const sdk = join(root, "sdk");
  const put = (file: string, text: string) => {
    mkdirSync(join(sdk, file, ".."), { recursive: true });
    writeFileSync(join(sdk, file), text);
  };
  put("@aws-sdk/client-x/package.json", JSON.stringify({ name: "@aws-sdk/client-x", version: "1.0.0", main: "./dist-cjs/index.js", module: "./dist-es/index.js" }));
  put("@aws-sdk/client-x/dist-cjs/runtimeConfig.js", "exports.rc = 'js';");
  put("@aws-sdk/client-x/dist-cjs/runtimeConfig.json", "{}");
  put("@aws-sdk/client-x/dist-cjs/data.json", '{"d":1}');
  put("@aws-sdk/client-x/dist-cjs/index.js", "globalThis.loads = (globalThis.loads ?? 0) + 1; exports.XClient = class XClient {}; exports.helper = () => 'help';");
  put("@aws-sdk/client-y/package.json", JSON.stringify({ name: "@aws-sdk/client-y", main: "index.js" }));
  put("@aws-sdk/client-y/index.js", "exports.y = 1;");
  put("tslib/package.json", JSON.stringify({ name: "tslib", main: "tslib.js" }));
  put("tslib/tslib.js", "exports.t = 1;");
  const out = join(root, "app", "node_modules");
  mkdirSync(join(root, "app"));
  writeEsmShims(out, sdk, sdk, { "@aws-sdk/client-x": ["XClient", "helper"] });

  test("packages not preloaded are links to the SDK's; the tree names the folder it stands in for", () => {
    assert.equal(readlinkSync(join(out, "tslib")), join(sdk, "tslib"));
    assert.equal(readlinkSync(join(out, "@aws-sdk/client-y")), join(sdk, "@aws-sdk/client-y"));
    assert.equal(readFileSync(join(out, SHIM_MARK), "utf8"), sdk);
  });

  test("a preloaded package is a folder of links with an exports map: import → the entry point, require → its main", () => {
    const dir = join(out, "@aws-sdk/client-x");
    assert.equal(lstatSync(dir).isDirectory(), true);
    assert.equal(readlinkSync(join(dir, "dist-cjs")), join(sdk, "@aws-sdk/client-x/dist-cjs"));
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(pkg.exports, {
      ".": { import: `./${ESM_ENTRY}`, default: "./dist-cjs/index.js" },
      "./dist-cjs": "./dist-cjs/index.js",
      "./dist-cjs/data": "./dist-cjs/data.json",
      "./dist-cjs/index": "./dist-cjs/index.js",
      "./dist-cjs/runtimeConfig": "./dist-cjs/runtimeConfig.js",
      "./package": "./package.json",
      "./package.json": "./package.json",
      "./*": "./*",
    });
    assert.equal(pkg.version, "1.0.0");
  });

  test("node resolves through it: one module for import and require, with named exports; subpaths still load", () => {
    writeFileSync(join(root, "app", "main.mjs"), [
      'import { createRequire } from "node:module";',
      'import x, { XClient, helper } from "@aws-sdk/client-x";',
      'import * as y from "@aws-sdk/client-y";',
      "const require = createRequire(import.meta.url);",
      "const viaRequire = require('@aws-sdk/client-x');",
      "const sub = require('@aws-sdk/client-x/dist-cjs/index.js');",
      "const completed = [require('@aws-sdk/client-x/dist-cjs/index'), require('@aws-sdk/client-x/dist-cjs')];",
      "const more = { rc: require('@aws-sdk/client-x/dist-cjs/runtimeConfig').rc, d: require('@aws-sdk/client-x/dist-cjs/data').d };",
      "console.log(JSON.stringify({ same: x === viaRequire && sub === viaRequire && completed.every((c) => c === viaRequire) && XClient === viaRequire.XClient, ...more, help: helper(), loads: globalThis.loads, y: y.y, entry: import.meta.resolve('@aws-sdk/client-x').endsWith('/" + ESM_ENTRY + "') }));",
    ].join("\n"));
    const r = JSON.parse(execFileSync(process.execPath, [join(root, "app", "main.mjs")], { encoding: "utf8" })) as Record<string, unknown>;
    assert.deepEqual(r, { same: true, rc: "js", d: 1, help: "help", loads: 1, y: 1, entry: true });
  });

  test("writing again replaces the tree whole", () => {
    writeEsmShims(out, sdk, "/var/runtime/node_modules", {});
    assert.equal(readlinkSync(join(out, "@aws-sdk/client-x")), "/var/runtime/node_modules/@aws-sdk/client-x");
  });
});
