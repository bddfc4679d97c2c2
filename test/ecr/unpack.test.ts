/**
 * The layer unpacker against crafted tars. Expected behaviour from the OCI image spec (layer.md: whiteouts,
 * opaque directories, "whiteout files MUST only apply to resources in lower/parent layers") and from the
 * escapes container runtimes refuse (CVE-2019-14271 style ".." names, symlink and hard-link breakouts).
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { applyLayer, cleanName, LayerError } from "../../src/images/unpack.js";
import { makeTar, writeBlob, type Entry } from "./tar-fixtures.js";

const work = mkdtempSync(join(tmpdir(), "unpack-test-"));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

/** Applies layers in order into a fresh root inside a sandbox dir; returns the root (and the dir around it). */
async function apply(layers: Entry[][], gzip = false): Promise<{ root: string; outside: string }> {
  const box = join(work, String(++n));
  const root = join(box, "root");
  const outside = join(box, "outside");
  mkdirSync(root, { recursive: true });
  mkdirSync(outside);
  for (const l of layers) {
    const [path, digest] = writeBlob(box, await makeTar(l, gzip));
    await applyLayer(root, path, digest);
  }
  return { root, outside };
}

const CASES: Array<{ name: string; layers: Entry[][]; gzip?: boolean; check?: (root: string, outside: string) => void; error?: RegExp }> = [
  {
    name: "files, directories and symlinks land where named (gzip)",
    gzip: true,
    layers: [[{ name: "bin/", type: "directory" }, { name: "bin/busybox", body: "BB", mode: 0o755 }, { name: "bin/sh", type: "symlink", linkname: "busybox" }]],
    check: (r) => {
      assert.equal(readFileSync(join(r, "bin/busybox"), "utf8"), "BB");
      assert.equal(statSync(join(r, "bin/busybox")).mode & 0o777, 0o755);
      assert.equal(readlinkSync(join(r, "bin/sh")), "busybox");
    },
  },
  {
    name: "a whiteout removes a lower layer's file",
    layers: [[{ name: "etc/a", body: "1" }, { name: "etc/b", body: "2" }], [{ name: "etc/.wh.a" }]],
    check: (r) => {
      assert.equal(existsSync(join(r, "etc/a")), false);
      assert.equal(readFileSync(join(r, "etc/b"), "utf8"), "2");
      assert.equal(existsSync(join(r, "etc/.wh.a")), false);
    },
  },
  {
    name: "an opaque directory hides lower layers' children but keeps its own layer's",
    layers: [[{ name: "d/old1", body: "x" }, { name: "d/sub/old2", body: "y" }], [{ name: "d/", type: "directory" }, { name: "d/.wh..wh..opq" }, { name: "d/new", body: "n" }]],
    check: (r) => {
      assert.equal(existsSync(join(r, "d/old1")), false);
      assert.equal(existsSync(join(r, "d/sub")), false);
      assert.equal(readFileSync(join(r, "d/new"), "utf8"), "n");
    },
  },
  {
    name: "a whiteout does not hide a file of its own layer",
    layers: [[{ name: "f", body: "same-layer" }, { name: ".wh.f" }]],
    check: (r) => assert.equal(readFileSync(join(r, "f"), "utf8"), "same-layer"),
  },
  {
    name: "an upper layer replaces a file by a directory",
    layers: [[{ name: "x", body: "file" }], [{ name: "x/", type: "directory" }, { name: "x/y", body: "in" }]],
    check: (r) => assert.equal(readFileSync(join(r, "x/y"), "utf8"), "in"),
  },
  { name: "a ../ name is refused", layers: [[{ name: "../escaped", body: "no" }]], error: /escapes the root/ },
  { name: "a name climbing out through a/../../ is refused", layers: [[{ name: "a/../../escaped", body: "no" }]], error: /escapes the root/ },
  {
    name: "an absolute symlink is followed inside the root only",
    layers: [[{ name: "link", type: "symlink", linkname: "/" }], [{ name: "link/etc-owned", body: "inside" }]],
    check: (r, o) => {
      assert.equal(readFileSync(join(r, "etc-owned"), "utf8"), "inside");
      assert.equal(existsSync(join(o, "..", "etc-owned")), false);
    },
  },
  {
    name: "a relative symlink climbing out stops at the root",
    layers: [[{ name: "up", type: "symlink", linkname: "../../../outside" }], [{ name: "up/planted", body: "x" }]],
    check: (r, o) => {
      assert.equal(existsSync(join(o, "planted")), false);
      assert.equal(readFileSync(join(r, "outside/planted"), "utf8"), "x");
    },
  },
  {
    name: "a file written over a symlink replaces the link, never its target",
    layers: [[{ name: "t", body: "target" }, { name: "l", type: "symlink", linkname: "t" }], [{ name: "l", body: "new" }]],
    check: (r) => {
      assert.equal(readFileSync(join(r, "t"), "utf8"), "target");
      assert.equal(lstatSync(join(r, "l")).isFile(), true);
    },
  },
  { name: "a hard link out of the root is refused", layers: [[{ name: "passwd", type: "link", linkname: "../../../../etc/passwd" }]], error: /hard link out of the root/ },
  {
    name: "a hard link through a symlink to / stays inside the root",
    layers: [[{ name: "etc/passwd", body: "root:x" }, { name: "s", type: "symlink", linkname: "/" }, { name: "h", type: "link", linkname: "s/etc/passwd" }]],
    check: (r) => assert.equal(statSync(join(r, "h")).ino, statSync(join(r, "etc/passwd")).ino),
  },
  {
    name: "device nodes and FIFOs are skipped",
    layers: [[{ name: "dev/null", type: "character-device" }, { name: "pipe", type: "fifo" }, { name: "ok", body: "1" }]],
    check: (r) => {
      assert.equal(existsSync(join(r, "dev/null")), false);
      assert.equal(existsSync(join(r, "pipe")), false);
      assert.equal(existsSync(join(r, "ok")), true);
    },
  },
  {
    name: "setuid and setgid bits are dropped, the sticky bit kept",
    layers: [[{ name: "su", body: "x", mode: 0o4755 }, { name: "sg", body: "x", mode: 0o2755 }, { name: "tmp/", type: "directory", mode: 0o1777 }]],
    check: (r) => {
      assert.equal(statSync(join(r, "su")).mode & 0o7777, 0o755);
      assert.equal(statSync(join(r, "sg")).mode & 0o7777, 0o755);
      assert.equal(statSync(join(r, "tmp")).mode & 0o7777, 0o1777);
    },
  },
];

for (const c of CASES) {
  test(`applyLayer: ${c.name}`, async () => {
    if (c.error) {
      await assert.rejects(apply(c.layers, c.gzip), (e: Error) => e instanceof LayerError && c.error!.test(e.message));
      return;
    }
    const { root, outside } = await apply(c.layers, c.gzip);
    c.check!(root, outside);
  });
}

test("applyLayer: a layer whose bytes do not match its digest is refused", async () => {
  const box = join(work, "mismatch");
  mkdirSync(join(box, "root"), { recursive: true });
  const [path] = writeBlob(box, await makeTar([{ name: "a", body: "1" }]));
  await assert.rejects(applyLayer(join(box, "root"), path, "sha256:" + "0".repeat(64)), /does not match its digest/);
});

test("applyLayer: a zstd layer gives a clear error", async () => {
  const box = join(work, "zstd");
  mkdirSync(join(box, "root"), { recursive: true });
  const [path, digest] = writeBlob(box, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
  await assert.rejects(applyLayer(join(box, "root"), path, digest), /zstd-compressed/);
});

test("cleanName: components, with .. resolved lexically and escapes refused", () => {
  assert.deepEqual(cleanName("./a//b/./c"), ["a", "b", "c"]);
  assert.deepEqual(cleanName("a/../b"), ["b"]);
  assert.equal(cleanName("a/../../b"), undefined);
  assert.deepEqual(cleanName("/abs/x"), ["abs", "x"]);
});
