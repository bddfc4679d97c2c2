/**
 * The Lambda sandbox against the escapes of issue 8 item 1, through a real server and the SDK: a function
 * tries to read /etc/shadow and Skyport's data dir, write outside /tmp, mount and remount, make a user
 * namespace, ptrace and clone3; all fail, while /tmp and the provided SDK still work. Also how Skyport
 * starts when the sandbox cannot be built (`bubblewrap` refuses, `auto` warns).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2, type Runtime } from "@aws-sdk/client-lambda";
import { sandboxSupport } from "../../src/runtime/sandbox.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const NODE_PROBE = `
const fs = require("fs");
const { spawnSync } = require("child_process");
const attempt = (f) => { try { return { ok: true, value: f() }; } catch (e) { return { ok: false, code: e.code }; } };
const run = (cmd, args) => { const r = spawnSync(cmd, args, { encoding: "utf8" }); return r.error ? r.error.code : r.status; };
exports.handler = async (event) => {
  const { DynamoDBClient, ListTablesCommand } = await import("@aws-sdk/client-dynamodb");
  const tables = await new DynamoDBClient({}).send(new ListTablesCommand({}));
  return {
    uid: process.getuid(),
    gid: process.getgid(),
    shadow: attempt(() => fs.readFileSync("/etc/shadow", "utf8").length),
    dataDir: attempt(() => fs.readdirSync(event.dataDir)),
    writes: Object.fromEntries(["/etc/x", "/x", "/var/x", "/usr/x", "/var/task/x", "/proc/x", "/dev/shm/x"].map((p) => [p, attempt(() => fs.writeFileSync(p, "1"))])),
    tmp: attempt(() => { fs.writeFileSync("/tmp/t", "ok"); return fs.readFileSync("/tmp/t", "utf8"); }),
    rootEntries: fs.readdirSync("/").sort(),
    mount: run("mount", ["-t", "tmpfs", "none", "/tmp"]),
    remount: run("mount", ["-o", "remount,rw", "/"]),
    umountTmp: run("umount", ["/tmp"]),
    unshareUser: run("unshare", ["-U", "true"]),
    sdk: Array.isArray(tables.TableNames),
  };
};`;

const PYTHON_PROBE = `
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(f, *args):
    ctypes.set_errno(0)
    r = f(*args)
    return "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
def handler(event, context):
    try:
        open("/etc/shadow").read()
        shadow = "ok"
    except OSError as e:
        shadow = errno.errorcode[e.errno]
    return {
        "uid": os.getuid(),
        "shadow": shadow,
        "dataDir": os.path.exists(event["dataDir"]),
        "mount": call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None),
        "umount": call(libc.umount2, b"/tmp", 0),
        "unshareUser": call(libc.unshare, 0x10000000),
        "ptraceTraceme": call(libc.ptrace, 0, 0, None, None),
        "clone3": call(libc.syscall, 435, None, 0),
    }
`;

const sandboxed = sandboxSupport();
const skip = sandboxed.ok ? false : `the sandbox cannot be built here (${sandboxed.reason})`;

describe("Lambda sandbox: escapes", { skip }, () => {
  let server: TestServer;
  let lambda: LambdaClient;
  // Not under /tmp (private inside the sandbox anyway): a data dir the sandbox could only see by binding /.
  const dataDir = mkdtempSync(join("/var/tmp", "skyport-sbx-data-"));

  before(async () => {
    server = await startServer({ "lambda-sandbox": "bubblewrap", ephemeral: false, "data-dir": dataDir });
    await createLambdaRoles(server);
    lambda = new LambdaClient(server.clientConfig);
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function invoke(runtime: Runtime, file: string, code: string): Promise<Record<string, unknown>> {
    const name = uniqueName("escape");
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime, Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Timeout: 30, Code: { ZipFile: zipSync({ [file]: strToU8(code) }) } }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ dataDir: server.skyport.config.dataDir })) }));
    const out = JSON.parse(Buffer.from(r.Payload!).toString());
    assert.equal(r.FunctionError, undefined, JSON.stringify(out));
    return out;
  }

  test("Invoke: a node function is an unprivileged user that sees neither secrets nor the data dir, and writes only /tmp", async () => {
    const out = (await invoke("nodejs20.x", "index.js", NODE_PROBE)) as Record<string, any>;
    assert.equal(out.uid, 993);
    assert.equal(out.gid, 990);
    assert.deepEqual(out.shadow, { ok: false, code: "ENOENT" }, "/etc/shadow is not in the sandbox");
    assert.deepEqual(out.dataDir, { ok: false, code: "ENOENT" }, "the data dir is not in the sandbox");
    for (const [path, r] of Object.entries(out.writes as Record<string, { ok: boolean; code: string }>)) {
      assert.equal(r.ok, false, `${path} must not be writable`);
      assert.ok(["EROFS", "EACCES", "ENOENT"].includes(r.code), `${path}: ${r.code}`);
    }
    assert.deepEqual(out.tmp, { ok: true, value: "ok" });
    for (const hidden of ["root", "home", "work", "srv", "mnt", "boot"]) assert.ok(!out.rootEntries.includes(hidden), `/${hidden} is not in the sandbox`);
    assert.notEqual(out.mount, 0, "mount fails");
    assert.notEqual(out.remount, 0, "remounting / read-write fails");
    assert.notEqual(out.umountTmp, 0, "unmounting /tmp fails");
    assert.notEqual(out.unshareUser, 0, "unshare -U fails");
    assert.equal(out.sdk, true, "the provided AWS SDK reaches Skyport");
  });

  test("Invoke: a python function's mount, umount, user namespace and ptrace calls are refused by the kernel (EPERM), clone3 is ENOSYS", async () => {
    const out = await invoke("python3.12", "index.py", PYTHON_PROBE);
    assert.deepEqual(out, {
      uid: 993,
      shadow: "ENOENT",
      dataDir: false,
      mount: "EPERM",
      umount: "EPERM",
      unshareUser: "EPERM",
      ptraceTraceme: "EPERM", // only the seccomp filter refuses PTRACE_TRACEME
      clone3: "ENOSYS",
    });
  });
});

/**
 * Runs `skyport start` with a PATH where bwrap cannot be found; resolves with its stderr once it exited — by itself,
 * or stopped (SIGTERM, so that it removes its ephemeral data directory) once ready.
 */
function startWithoutBwrap(mode: string): Promise<{ code: number | null; stderr: string; ready: boolean }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "start", "--port", "0", "--ephemeral", "--lambda-sandbox", mode], { env: { PATH: "/nonexistent", HOME: "/tmp" }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve) => {
    let stderr = "";
    let stdout = "";
    let ready = false;
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!ready && stdout.includes("ready on")) {
        ready = true;
        child.kill("SIGTERM");
      }
    });
    child.on("exit", (code) => resolve({ code, stderr, ready }));
  });
}

describe("Lambda sandbox: startup without bubblewrap", () => {
  test("start: --lambda-sandbox bubblewrap refuses to start with one plain line when bwrap is missing", async () => {
    const r = await startWithoutBwrap("bubblewrap");
    assert.equal(r.ready, false);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^skyport: --lambda-sandbox bubblewrap: cannot build the function sandbox here \(bwrap \(bubblewrap\) is not installed\)/);
  });

  test("start: --lambda-sandbox auto starts without bwrap and warns that code runs unisolated", async () => {
    const r = await startWithoutBwrap("auto");
    assert.equal(r.ready, true);
    assert.equal(r.code, 0, "stopped by its SIGTERM handler (not killed by the signal), ephemeral data removed");
    assert.match(r.stderr, process.getuid?.() === 0 ? /UNISOLATED AS ROOT/ : /no sandbox/);
  });
});
