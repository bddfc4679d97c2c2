/**
 * The bubblewrap argument list (sandbox.ts bwrapArgs) for a fixed host: what is bound, how, and in what order.
 * The flags are bubblewrap 0.8's (bwrap(1)); the real effect is tested in test/security/sandbox.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { bwrapArgs, resolveCommand, SANDBOX_GID, SANDBOX_UID, type SandboxHost } from "./sandbox.js";

const host = (root: boolean): SandboxHost => ({
  root,
  system: [["/usr", "dir"], ["/bin", "usr/bin"], ["/lib", "usr/lib"], ["/lib64", "usr/lib64"], ["/sbin", "usr/sbin"]],
  etc: ["/etc/resolv.conf", "/etc/hosts", "/etc/ssl"],
  sys: ["/sys/kernel/mm/transparent_hugepage"],
  setpriv: "/usr/bin/setpriv",
  path: "/usr/bin:/bin",
});
const spec = { binds: [["/data/code/abc/task", "/var/task"], ["/srv/skyport/node_modules", "/var/runtime/node_modules"], ["/data/layers/l1", "/opt"]] as Array<[string, string]>, tmpMb: 512, cwd: "/var/task" };

/** Pairs of (flag, operands) in order. */
function ops(args: string[]): string[][] {
  const arity: Record<string, number> = { "--ro-bind": 2, "--bind": 2, "--symlink": 2, "--dir": 1, "--perms": 1, "--size": 1, "--tmpfs": 1, "--proc": 1, "--dev": 1, "--uid": 1, "--gid": 1, "--cap-drop": 1, "--cap-add": 1, "--seccomp": 1, "--ro-bind-data": 2, "--remount-ro": 1, "--chdir": 1 };
  const out: string[][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(["--", ...args.slice(i + 1)]);
      break;
    }
    const n = arity[a] ?? 0;
    out.push([a, ...args.slice(i + 1, i + 1 + n)]);
    i += n;
  }
  return out;
}

describe("bwrapArgs", () => {
  for (const root of [true, false]) {
    const args = bwrapArgs("/usr/bin/node", ["/var/runtime/bootstrap/node.cjs"], spec, host(root), { passwd: 3, group: 4, seccomp: 5 });
    const list = ops(args);
    const has = (...op: string[]) => list.some((o) => o.length === op.length && o.every((x, i) => x === op[i]));

    test(`bwrapArgs(${root ? "root" : "unprivileged"}): namespaces, session, parent death, capabilities dropped`, () => {
      for (const f of ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session", "--die-with-parent"]) assert.ok(has(f), f);
      assert.ok(has("--cap-drop", "ALL"));
      assert.ok(!has("--unshare-net"), "the network stays shared (Skyport's endpoint on loopback)");
    });

    test(`bwrapArgs(${root ? "root" : "unprivileged"}): only /usr, a minimal /etc, /sys's huge page settings and the spec's binds, all read-only`, () => {
      const binds = list.filter((o) => o[0] === "--ro-bind").map((o) => [o[1], o[2]]);
      assert.ok(!list.some((o) => ["--bind", "--dev-bind", "--bind-try"].includes(o[0]!)), "nothing is bound writable");
      assert.deepEqual(binds, [
        ["/usr", "/usr"],
        ["/etc/resolv.conf", "/etc/resolv.conf"],
        ["/etc/hosts", "/etc/hosts"],
        ["/etc/ssl", "/etc/ssl"],
        ["/sys/kernel/mm/transparent_hugepage", "/sys/kernel/mm/transparent_hugepage"],
        ["/data/code/abc/task", "/var/task"],
        ["/srv/skyport/node_modules", "/var/runtime/node_modules"],
        ["/data/layers/l1", "/opt"],
      ]);
      for (const [src] of binds) assert.ok(!["/", "/root", "/home", "/proc", "/sys", "/etc", "/etc/shadow", "/var"].includes(src!), src);
      assert.ok(has("--symlink", "usr/bin", "/bin") && has("--symlink", "usr/lib64", "/lib64"), "merged-/usr links are symlinks");
      assert.ok(has("--proc", "/proc") && has("--dev", "/dev"));
    });

    test(`bwrapArgs(${root ? "root" : "unprivileged"}): parents made 0755 before the binds; /tmp a 1777 tmpfs of tmpMb; / read-only last`, () => {
      const idx = (...op: string[]) => list.findIndex((o) => o.length === op.length && o.every((x, i) => x === op[i]));
      for (const d of ["/etc", "/var", "/var/runtime"]) {
        assert.ok(idx("--dir", d) > 0 && list[idx("--dir", d) - 1]![1] === "0755", `${d} 0755`);
      }
      assert.ok(idx("--dir", "/var") < idx("--ro-bind", "/data/code/abc/task", "/var/task"));
      const tmp = idx("--tmpfs", "/tmp");
      assert.deepEqual(list.slice(tmp - 2, tmp + 1), [["--perms", "1777"], ["--size", String(512 * 1024 * 1024)], ["--tmpfs", "/tmp"]]);
      assert.ok(has("--seccomp", "5"));
      assert.ok(idx("--ro-bind-data", "3", "/etc/passwd") > idx("--dir", "/etc") && idx("--ro-bind-data", "4", "/etc/group") > 0, "passwd and group come from pipes");
      assert.ok(idx("--remount-ro", "/") > tmp);
      assert.ok(has("--chdir", "/var/task"));
    });

    test(`bwrapArgs(${root ? "root" : "unprivileged"}): user code runs as uid ${SANDBOX_UID}`, () => {
      const cmd = list.at(-1)!;
      if (root) {
        assert.ok(!has("--unshare-user"), "no user namespace as root: it would map the sandbox user to host root");
        assert.deepEqual(cmd, ["--", "/usr/bin/setpriv", "--reuid", String(SANDBOX_UID), "--regid", String(SANDBOX_GID), "--clear-groups", "--no-new-privs", "--bounding-set", "-all", "--inh-caps", "-all", "--", "/usr/bin/node", "/var/runtime/bootstrap/node.cjs"]);
        assert.deepEqual(list.filter((o) => o[0] === "--cap-add").map((o) => o[1]), ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]);
      } else {
        assert.ok(has("--unshare-user") && has("--uid", String(SANDBOX_UID)) && has("--gid", String(SANDBOX_GID)) && has("--disable-userns"));
        assert.ok(!list.some((o) => o[0] === "--cap-add"));
        assert.deepEqual(cmd, ["--", "/usr/bin/node", "/var/runtime/bootstrap/node.cjs"]);
      }
    });
  }

  test("bwrapArgs: a bind of the host's / (or over the sandbox's /) is refused", () => {
    for (const binds of [[["/", "/var/task"]], [["/data/x", "/"]], [["//", "/mnt"]]] as Array<Array<[string, string]>>) {
      assert.throws(() => bwrapArgs("/usr/bin/node", [], { ...spec, binds }, host(true), { passwd: 3, group: 4 }), /refusing to bind/);
    }
  });

  test("bwrapArgs: no seccomp flag when the arch has no filter", () => {
    assert.ok(!bwrapArgs("/usr/bin/node", [], spec, host(true), { passwd: 3, group: 4 }).includes("--seccomp"));
  });
});

describe("resolveCommand", () => {
  test("resolveCommand: a path under /usr or a bind is used as is", () => {
    assert.deepEqual(resolveCommand("/usr/bin/node", { path: "" }), { path: "/usr/bin/node" });
    assert.deepEqual(resolveCommand("/var/task/bootstrap", { path: "" }, ["/var/task"]), { path: "/var/task/bootstrap" });
  });
  test("resolveCommand: a binary elsewhere gets its install prefix bound at the same path", () => {
    assert.deepEqual(resolveCommand("/nonexistent/node-v20/bin/node", { path: "" }), { path: "/nonexistent/node-v20/bin/node", bind: "/nonexistent/node-v20" });
  });
  test("resolveCommand: a bare name prefers a copy under /usr over one earlier on PATH elsewhere", () => {
    const shims = mkdtempSync(join(tmpdir(), "skyport-shims-"));
    try {
      writeFileSync(join(shims, "sh"), "#!/bin/sh\n", { mode: 0o755 }); // like a pyenv shim under /root
      const r = resolveCommand("sh", { path: `${shims}:/usr/bin:/bin` });
      assert.ok(r.path === "/usr/bin/sh" || r.path === "/bin/sh", r.path);
      assert.equal(r.bind, undefined);
    } finally {
      rmSync(shims, { recursive: true, force: true });
    }
  });
});
