/**
 * A tiny image for tests, built offline from Debian's busybox-static: a root filesystem directory and its
 * config, in the shape the image store's prepareImage returns (the same image lib/oci_push.py pushes).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PreparedImage } from "../../src/runtime/containers/types.js";

export const BUSYBOX = "/bin/busybox";
export const haveBusybox = () => existsSync(BUSYBOX);
const APPLETS = ["sh", "echo", "cat", "ls", "test", "sleep", "env", "id", "wc", "touch", "head", "false", "true", "mkdir", "cp", "date", "ps", "pwd", "grep", "kill", "rm", "tr"];

export function busyboxImage(config: PreparedImage["config"] = { Env: ["PATH=/bin", "IMAGE_VAR=from-image"], Cmd: ["sh"], WorkingDir: "/work" }): PreparedImage & { cleanup(): void } {
  const base = mkdtempSync(join(tmpdir(), "skyport-busybox-"));
  chmodSync(base, 0o755);
  const rootfs = join(base, "rootfs");
  for (const d of ["bin", "etc", "work", "tmp"]) mkdirSync(join(rootfs, d), { recursive: true, mode: 0o755 });
  chmodSync(join(rootfs, "tmp"), 0o1777);
  copyFileSync(BUSYBOX, join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  for (const a of APPLETS) symlinkSync("busybox", join(rootfs, "bin", a));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/work:/bin/sh\n");
  writeFileSync(join(rootfs, "etc/group"), "root:x:0:\napp:x:1000:\n");
  return { digest: "sha256:test", rootfs, config, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
