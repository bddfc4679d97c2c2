/**
 * Issue 8 items 10 and 11 through a real server and the SDK, with the sandbox on and off: no process a
 * function started (detached, setsid, double-forked) survives DeleteFunction or a `kill -9` of Skyport;
 * allocating past MemorySize ends in Runtime.OutOfMemory (node and python); /tmp is limited to
 * EphemeralStorage in the sandbox. Each leftover process is found on the host by a unique token in its argv.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, DeleteFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2, type Runtime } from "@aws-sdk/client-lambda";
import { cgroupMode, pidsLimited } from "../../src/runtime/cgroup.js";
import { batchScheduler } from "../../src/runtime/process-launcher.js";
import { sandboxSupport } from "../../src/runtime/sandbox.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

/** Starts three long-lived children that try to escape the environment: detached, setsid, double-forked. */
const SPAWNER = `
const { spawn } = require("child_process");
exports.handler = async (event) => {
  const idle = ["-e", "setInterval(() => {}, 1000)", event.token];
  spawn(process.execPath, idle, { detached: true, stdio: "ignore" }).unref();
  spawn("setsid", [process.execPath, ...idle], { detached: true, stdio: "ignore" }).unref();
  spawn("/bin/sh", ["-c", '"$0" "$@" >/dev/null 2>&1 &', process.execPath, ...idle], { stdio: "ignore" });
  return "started";
};`;
const NODE_HOG = `exports.handler = async () => Buffer.alloc(512 * 1024 * 1024, 1).length;`;
const PYTHON_HOG = `
def handler(event, context):
    return len(bytearray(512 * 1024 * 1024))
`;
const FORKER = `
import os, time, signal
def handler(event, context):
    kids, err = [], None
    try:
        while len(kids) < 1500:
            pid = os.fork()
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            kids.append(pid)
    except OSError as e:
        err = e.strerror
    for k in kids:
        os.kill(k, signal.SIGKILL)
        os.waitpid(k, 0)
    return {"forked": len(kids), "err": err}
`;
const TMP_FILLER = `
const fs = require("fs");
exports.handler = async () => {
  const chunk = Buffer.alloc(8 * 1024 * 1024, 1);
  let written = 0;
  try {
    for (;;) { fs.appendFileSync("/tmp/fill", chunk); written += chunk.length; }
  } catch (e) {
    fs.rmSync("/tmp/fill", { force: true });
    return { code: e.code, writtenMb: written / 1024 / 1024 };
  }
};`;

/** Every thread's scheduling policy (field 41 of /proc/<pid>/task/<tid>/stat), for the function and a child. */
const POLICIES = `
const fs = require("fs");
const { execFileSync } = require("child_process");
const policies = (pid) => fs.readdirSync(\`/proc/\${pid}/task\`).map((t) => {
  const stat = fs.readFileSync(\`/proc/\${pid}/task/\${t}/stat\`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38]);
});
exports.handler = async () => ({ self: policies("self"), child: Number(execFileSync("/bin/sh", ["-c", "cut -d' ' -f41 /proc/self/stat"]).toString()) });`;

/** Host pids whose command line carries the token. */
function withToken(token: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").includes(token) && !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, "utf8"))) out.push(Number(p));
    } catch {
      /* exited */
    }
  }
  return out;
}
/** Waits (bounded) for what the kernel does asynchronously: children starting, killed processes vanishing. */
async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 1200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  return cond();
}
const tokens: string[] = [];
after(() => {
  for (const t of tokens) for (const pid of withToken(t)) process.kill(pid, "SIGKILL"); // only if a test failed
});

async function deploy(lambda: LambdaClient, runtime: Runtime, code: string, extra: { MemorySize?: number; EphemeralStorage?: { Size: number } } = {}): Promise<string> {
  const name = uniqueName("limits");
  const file = runtime.startsWith("python") ? "index.py" : "index.js";
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime, Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Timeout: 60, ...extra, Code: { ZipFile: zipSync({ [file]: strToU8(code) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return name;
}

async function invoke(lambda: LambdaClient, name: string, payload: unknown = {}): Promise<{ error?: string; out: any }> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
  return { error: r.FunctionError, out: JSON.parse(Buffer.from(r.Payload!).toString()) };
}

const memoryLimited = cgroupMode() === "v2" || cgroupMode() === "v1-memory";
const noBwrap = sandboxSupport().ok ? false : "the sandbox cannot be built here";

for (const mode of ["bubblewrap", "off"] as const) {
  describe(`--lambda-sandbox ${mode}: orphans and limits`, { skip: mode === "bubblewrap" ? noBwrap : false }, () => {
    let server: TestServer;
    let lambda: LambdaClient;
    before(async () => {
      server = await startServer({ "lambda-sandbox": mode });
      await createLambdaRoles(server);
      lambda = new LambdaClient(server.clientConfig);
    });
    after(() => server.stop());

    test("DeleteFunction: no process of the function survives, detached and setsid grandchildren included", async () => {
      const name = await deploy(lambda, "nodejs20.x", SPAWNER);
      const token = uniqueName("orphan");
      tokens.push(token);
      assert.deepEqual(await invoke(lambda, name, { token }), { error: undefined, out: "started" });
      assert.ok(await until(() => withToken(token).length >= 3), `the three children run (${withToken(token).length})`);
      await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
      assert.ok(await until(() => withToken(token).length === 0), `still running: ${withToken(token).join(", ")}`);
    });

    test("Invoke: the function and what it starts run under SCHED_BATCH (policy 3), every thread", { skip: batchScheduler() ? false : "chrt is missing or cannot set SCHED_BATCH here: the launcher runs without it" }, async () => {
      const r = await invoke(lambda, await deploy(lambda, "nodejs20.x", POLICIES));
      assert.equal(r.error, undefined, JSON.stringify(r.out));
      assert.ok(r.out.self.length > 1, "node runs several threads");
      assert.deepEqual(new Set(r.out.self), new Set([3]), JSON.stringify(r.out));
      assert.equal(r.out.child, 3);
    });

    test("Invoke: a node function allocating 512 MB with MemorySize 128 fails with Runtime.OutOfMemory", { skip: memoryLimited ? false : "no cgroup memory controller here" }, async () => {
      const r = await invoke(lambda, await deploy(lambda, "nodejs20.x", NODE_HOG, { MemorySize: 128 }));
      assert.equal(r.error, "Unhandled");
      assert.equal(r.out.errorType, "Runtime.OutOfMemory", JSON.stringify(r.out));
    });

    test("Invoke: a python function allocating 512 MB with MemorySize 128 fails with Runtime.OutOfMemory", { skip: memoryLimited ? false : "no cgroup memory controller here" }, async () => {
      const r = await invoke(lambda, await deploy(lambda, "python3.12", PYTHON_HOG, { MemorySize: 128 }));
      assert.equal(r.error, "Unhandled");
      assert.equal(r.out.errorType, "Runtime.OutOfMemory", JSON.stringify(r.out));
    });

    test("Invoke: REPORT's Max Memory Used is the environment's peak (a 64 MB buffer shows as at least 64 MB)", { skip: memoryLimited ? false : "no cgroup memory controller here" }, async () => {
      const name = await deploy(lambda, "nodejs20.x", `exports.handler = async () => Buffer.alloc(64 * 1024 * 1024, 1).length;`, { MemorySize: 256 });
      const r = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail" }));
      const log = Buffer.from(r.LogResult!, "base64").toString();
      const used = Number(/Max Memory Used: (\d+) MB/.exec(log)?.[1]);
      assert.ok(used >= 64 && used <= 256, log);
    });

    if (mode === "bubblewrap") {
      test("Invoke: a fork bomb stops at Lambda's 1,024 processes and threads (EAGAIN)", { skip: pidsLimited() ? false : "no pids cgroup controller here" }, async () => {
        const r = await invoke(lambda, await deploy(lambda, "python3.12", FORKER, { MemorySize: 1024 }));
        assert.equal(r.error, undefined, JSON.stringify(r.out));
        assert.equal(r.out.err, "Resource temporarily unavailable");
        assert.ok(r.out.forked > 1000 && r.out.forked < 1024, String(r.out.forked));
      });

      test("Invoke: /tmp holds at most EphemeralStorage (ENOSPC past 512 MB)", async () => {
        // tmpfs pages count against the memory limit too, so memory is set above the /tmp size.
        const r = await invoke(lambda, await deploy(lambda, "nodejs20.x", TMP_FILLER, { MemorySize: 1536, EphemeralStorage: { Size: 512 } }));
        assert.equal(r.error, undefined, JSON.stringify(r.out));
        assert.equal(r.out.code, "ENOSPC");
        assert.ok(r.out.writtenMb <= 512 && r.out.writtenMb >= 400, `${r.out.writtenMb} MB written`);
      });
    }
  });

  test(`kill -9 of Skyport (--lambda-sandbox ${mode}): the function's processes and their detached children die with it`, { skip: mode === "bubblewrap" ? noBwrap : false }, async () => {
    const dataDir = mkdtempSync(join("/var/tmp", "skyport-kill9-"));
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "start", "--port", "0", "--data-dir", dataDir, "--lambda-sandbox", mode, "--log-level", "error"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /ready on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!.replace("localhost", "127.0.0.1"));
        });
        child.on("exit", (code) => reject(new Error(`skyport exited ${code}`)));
      });
      const clientConfig = { endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
      await createLambdaRoles({ clientConfig });
      const lambda = new LambdaClient(clientConfig);
      const token = uniqueName("kill9");
      tokens.push(token);
      const name = await deploy(lambda, "nodejs20.x", SPAWNER);
      assert.deepEqual(await invoke(lambda, name, { token }), { error: undefined, out: "started" });
      assert.ok(await until(() => withToken(token).length >= 3), "the three children run");
      child.kill("SIGKILL");
      assert.ok(await until(() => withToken(token).length === 0), `still running after kill -9: ${withToken(token).join(", ")}`);
    } finally {
      child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
