/**
 * Blueprint → root filesystem. `skyport:busybox` is a tiny Linux userland made from the host's static
 * busybox (every applet linked, /etc/passwd with root): instances run offline without any image. Any other
 * reference goes to the image store (src/images: Skyport's own ECR, a remote registry, or an archive),
 * which hands back a read-only, shared rootfs; each instance writes to its own overlay on top of it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareImage } from "../../../images/index.js";
import type { ServiceEnv } from "../../host.js";
import { operationFailure } from "../shared.js";

export const BUSYBOX_IMAGE = "skyport:busybox";
const BUSYBOX_PATHS = ["/bin/busybox", "/usr/bin/busybox"];

export interface PreparedImage {
  rootfs: string;
  /** The image's entrypoint + cmd (the blueprint's service for app blueprints). */
  command: string[];
  env: string[];
  workingDir?: string;
}

/** Prepares the image behind a blueprint; throws OperationFailureException when it cannot be had. */
export async function prepareBlueprintImage(env: ServiceEnv, ref: string): Promise<PreparedImage> {
  if (ref === BUSYBOX_IMAGE) return { rootfs: busyboxRootfs(join(env.config.dataDir, "lightsail", "images")), command: [], env: [] };
  try {
    const img = await prepareImage(env, ref);
    const c = img.config;
    return { rootfs: img.rootfs, command: [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])], env: c.Env ?? [], workingDir: c.WorkingDir };
  } catch (e) {
    throw operationFailure(`The image ${ref} of the blueprint cannot be prepared: ${(e as Error).message}`);
  }
}

/** The busybox rootfs under `dir` (built once, atomically renamed into place). */
export function busyboxRootfs(dir: string): string {
  const root = join(dir, "busybox");
  if (existsSync(join(root, "bin", "sh"))) return root;
  const bin = BUSYBOX_PATHS.find((p) => existsSync(p));
  if (!bin) throw operationFailure("The skyport:busybox image needs a static busybox on the host (Debian: apt-get install busybox-static)");
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "tmp", "var/log", "var/lib", "home", "proc", "dev", "run", "sys"]) mkdirSync(join(tmp, d), { recursive: true });
  chmodSync(join(tmp, "tmp"), 0o1777);
  copyFileSync(bin, join(tmp, "bin", "busybox"));
  const applets = spawnSync(bin, ["--list-full"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const a of applets) {
    const p = join(tmp, a);
    if (a === "bin/busybox" || existsSync(p)) continue;
    mkdirSync(join(p, ".."), { recursive: true });
    const depth = a.split("/").length - 1;
    symlinkSync(`${"../".repeat(depth)}bin/busybox`, p);
  }
  writeFileSync(join(tmp, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000:admin:/home/admin:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  writeFileSync(join(tmp, "etc", "group"), "root:x:0:\nadmin:x:1000:\nnogroup:x:65534:\n");
  writeFileSync(join(tmp, "etc", "os-release"), 'NAME="Skyport busybox"\nID=busybox\n');
  try {
    renameSync(tmp, root);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another server built it first
  }
  return root;
}
