/**
 * The OCI runner (bubblewrap over an image rootfs) against a busybox image: what runs, with which
 * environment, user and working directory, and what the container can see (not the host, not other runs).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { OciRunner, ociRunnerUnavailable } from "../../src/runtime/containers/oci-runner.js";
import type { ContainerSpec, PreparedImage } from "../../src/runtime/containers/types.js";
import { busyboxImage, haveBusybox } from "./busybox-image.js";

const skip = !haveBusybox() ? "busybox-static is not installed" : ociRunnerUnavailable();

describe("OciRunner", { skip }, () => {
  let image: PreparedImage & { cleanup(): void };
  let scratch: string;
  let runner: OciRunner;
  before(() => {
    image = busyboxImage();
    scratch = mkdtempSync(join(tmpdir(), "skyport-runs-"));
    runner = new OciRunner({ scratchDir: scratch, stopGraceMs: 5_000 });
  });
  after(() => {
    image.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  let n = 0;
  async function run(command: string, extra: Partial<ContainerSpec> = {}) {
    const lines: string[] = [];
    const h = await runner.run({ id: `t${process.pid}-${++n}`, image, command: ["sh", "-c", command], env: {}, onLine: (l) => lines.push(l), ...extra });
    const exit = await h.wait();
    return { ...exit, lines };
  }

  test("run: the command runs with the image's Env and WorkingDir, the job's env over them", async () => {
    const r = await run('echo "var=$IMAGE_VAR job=$JOB_VAR pwd=$(pwd) path=$PATH"; exit 7', { env: { JOB_VAR: "j" } });
    assert.equal(r.exitCode, 7);
    assert.deepEqual(r.lines, ["var=from-image job=j pwd=/work path=/bin"]);
  });

  test("run: root by default, the image's or the job's User otherwise (name or uid:gid)", async () => {
    assert.deepEqual((await run("id -u; id -g")).lines, ["0", "0"]);
    assert.deepEqual((await run("id -u; id -g", { user: "app" })).lines, ["1000", "1000"]);
    assert.deepEqual((await run("id -u; id -g", { user: "1234:55" })).lines, ["1234", "55"]);
  });

  test("run: no capabilities, no_new_privs, a seccomp filter", async () => {
    const r = await run("grep -E '^(CapEff|CapPrm|NoNewPrivs|Seccomp):' /proc/self/status");
    assert.deepEqual(r.lines.map((l) => l.replace(/\s+/g, " ")), ["CapPrm: 0000000000000000", "CapEff: 0000000000000000", "NoNewPrivs: 1", "Seccomp: 2"]);
  });

  test("run: the container sees its image, not the host's files", async () => {
    const marker = join(tmpdir(), `skyport-host-marker-${process.pid}`);
    writeFileSync(marker, "secret");
    try {
      const r = await run(`ls /; test -e /etc/shadow && echo shadow; test -e ${marker} && echo marker; test -e /usr && echo usr; cat /etc/hosts | head -1`);
      assert.deepEqual(r.lines.slice(0, -1).sort(), ["bin", "dev", "etc", "proc", "tmp", "work"]);
      assert.match(r.lines.at(-1)!, /^127\.0\.0\.1\s+localhost$/);
    } finally {
      rmSync(marker);
    }
  });

  test("run: writes stay in the run's own layer: the shared rootfs and other runs never see them", async () => {
    const before = readdirSync(join(image.rootfs, "work"));
    const a = await run("echo a > /work/file && echo /bin/x > /bin/added && cat /work/file");
    assert.deepEqual(a.lines, ["a"]);
    assert.deepEqual(readdirSync(join(image.rootfs, "work")), before);
    assert.equal(existsSync(join(image.rootfs, "bin/added")), false);
    const b = await run("test -e /work/file && echo seen; test -e /bin/added && echo seen; echo done");
    assert.deepEqual(b.lines, ["done"]);
  });

  test("run: a container cannot see other containers' processes", async () => {
    const long = await runner.run({ id: `long-${process.pid}`, image, command: ["sleep", "30"], env: {}, onLine: () => {} });
    try {
      const r = await run("ls /proc | grep -E '^[0-9]+$' | wc -l; ps -o comm | grep -c sleep");
      // Its own pid namespace: bubblewrap's init, the shell and the pipeline's own processes (how many of ls, grep
      // and wc are alive at once depends on scheduling) — never the host's hundreds, nor the other job's sleep.
      assert.ok(Number(r.lines[0]) <= 8, `pids seen: ${r.lines[0]}`);
      assert.equal(r.lines[1], "0");
    } finally {
      long.kill("SIGKILL");
      assert.equal((await long.wait()).signal, "SIGKILL");
    }
  });

  test("kill: SIGTERM reaches the job's processes", async () => {
    let ready!: () => void;
    const started = new Promise<void>((r) => (ready = r));
    const h = await runner.run({ id: `term-${process.pid}`, image, command: ["sh", "-c", "echo ready; exec sleep 60"], env: {}, onLine: (l) => l === "ready" && ready() });
    await started; // the job is running inside before the signal
    h.kill("SIGTERM");
    const exit = await h.wait();
    assert.deepEqual(exit, { exitCode: null, signal: "SIGTERM" });
  });

  test("run: a missing command is a CannotStartContainerError", async () => {
    const h = await runner.run({ id: `missing-${process.pid}`, image, command: ["/nope"], env: {}, onLine: () => {} });
    const exit = await h.wait();
    assert.match(exit.reason ?? "", /^CannotStartContainerError: execvp \/nope: No such file or directory/);
  });

  test("run: an unknown user name is refused before anything starts", async () => {
    await assert.rejects(runner.run({ id: "u", image, command: ["true"], env: {}, user: "nobody-here", onLine: () => {} }), /unable to find user nobody-here/);
  });
});
