/**
 * Code on disk: linkTree puts one extracted tree over another as extracting one zip over another does (what /opt
 * is for several layers, on AWS: each layer extracted in order into /opt), hostPathOf finds /var/task and /opt on
 * the host outside the sandbox.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildOnce, hostPathOf, linkTree } from "./code.js";

const dir = mkdtempSync(join(tmpdir(), "skyport-code-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A folder holding `files` (path → content; a path ending in / is an empty folder). */
function tree(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    const p = join(root, path);
    if (path.endsWith("/")) mkdirSync(p, { recursive: true });
    else {
      mkdirSync(join(p, ".."), { recursive: true });
      writeFileSync(p, content);
    }
  }
  return root;
}

test("linkTree: a later tree's files replace an earlier one's at the same path, a file replaces a folder and a folder a file; the sources are untouched", () => {
  const first = tree("first", { "bin/tool": "first", "nodejs/node_modules/a/index.js": "a1", "only-first": "1", "was-file": "file", "was-dir/inner": "inner" });
  const second = tree("second", { "bin/tool": "second", "nodejs/node_modules/b/index.js": "b2", "was-file/inside": "now a folder", "was-dir": "now a file" });
  const merged = join(dir, "merged");
  linkTree(first, merged);
  linkTree(second, merged);
  const read = (p: string) => readFileSync(join(merged, p), "utf8");
  assert.equal(read("bin/tool"), "second");
  assert.equal(read("nodejs/node_modules/a/index.js"), "a1");
  assert.equal(read("nodejs/node_modules/b/index.js"), "b2");
  assert.equal(read("only-first"), "1");
  assert.equal(read("was-file/inside"), "now a folder");
  assert.equal(read("was-dir"), "now a file");
  // Hard links, not copies; and replacing a link never wrote through it into the first tree.
  assert.equal(statSync(join(merged, "only-first")).ino, statSync(join(first, "only-first")).ino);
  assert.equal(readFileSync(join(first, "bin/tool"), "utf8"), "first");
  assert.equal(readFileSync(join(first, "was-file"), "utf8"), "file");
  assert.equal(readFileSync(join(first, "was-dir/inner"), "utf8"), "inner");
});

test("buildOnce: builds a folder once and keeps it; a failed build leaves nothing behind", () => {
  let builds = 0;
  const target = join(dir, "once", "task");
  const build = (tmp: string) => {
    builds++;
    tree(tmp.slice(dir.length + 1), { "index.js": "x" });
  };
  assert.equal(buildOnce(target, build), target);
  assert.equal(buildOnce(target, build), target);
  assert.equal(builds, 1);
  assert.equal(readFileSync(join(target, "index.js"), "utf8"), "x");
  const failing = join(dir, "failing", "task");
  assert.throws(() => buildOnce(failing, (tmp) => {
    tree(tmp.slice(dir.length + 1), { "half": "written" });
    throw new Error("disk full");
  }), /disk full/);
  assert.equal(existsSync(failing), false);
  assert.deepEqual(readdirSync(join(dir, "failing")), []);
});

test("hostPathOf: /var/task and /opt outside the sandbox are the code's and the layers' host folders; other paths stay", () => {
  const cases: Array<[string, string | undefined, string]> = [
    ["/var/task/wrapper.sh", "/data/opt-1", "/data/code/task/wrapper.sh"],
    ["/var/task", "/data/opt-1", "/data/code/task"],
    ["/var/taskforce/x", "/data/opt-1", "/var/taskforce/x"],
    ["/opt/otel-handler", "/data/opt-1", "/data/opt-1/otel-handler"],
    ["/opt/otel-handler", undefined, "/opt/otel-handler"],
    ["/optional/x", "/data/opt-1", "/optional/x"],
    ["/usr/local/bin/wrap", "/data/opt-1", "/usr/local/bin/wrap"],
  ];
  for (const [path, opt, expected] of cases) assert.equal(hostPathOf(path, "/data/code/task", opt), expected, path);
});
