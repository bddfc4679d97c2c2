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

/**
 * The same image as an OCI archive (a tar of an OCI image layout), for job definitions whose image is
 * `oci-archive:PATH` — so server tests run jobs without a registry push.
 */
export async function busyboxOciArchive(file: string, config: Record<string, unknown> = { Env: ["PATH=/bin", "IMAGE_VAR=from-image"], Cmd: ["sh"], WorkingDir: "/work" }): Promise<void> {
  const { pack } = await import("tar-stream");
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { createHash } = await import("node:crypto");
  const tarOf = async (entries: Array<{ name: string; type?: "directory" | "symlink" | "file"; data?: Buffer; mode?: number; linkname?: string }>) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c) => chunks.push(c as Buffer));
    const done = new Promise<void>((r) => p.on("end", () => r()));
    for (const e of entries) {
      if (e.type === "directory") p.entry({ name: e.name, type: "directory", mode: e.mode ?? 0o755 });
      else if (e.type === "symlink") p.entry({ name: e.name, type: "symlink", linkname: e.linkname! });
      else p.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.data!);
    }
    p.finalize();
    await done;
    return Buffer.concat(chunks);
  };
  const layer = await tarOf([
    ...["bin", "etc", "work"].map((name) => ({ name, type: "directory" as const })),
    { name: "tmp", type: "directory", mode: 0o1777 },
    { name: "bin/busybox", data: readFileSync(BUSYBOX), mode: 0o755 },
    ...APPLETS.map((a) => ({ name: `bin/${a}`, type: "symlink" as const, linkname: "busybox" })),
    { name: "etc/passwd", data: Buffer.from("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/work:/bin/sh\n") },
    { name: "etc/group", data: Buffer.from("root:x:0:\napp:x:1000:\n") },
  ]);
  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
  const cfg = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config, rootfs: { type: "layers", diff_ids: [`sha256:${sha(layer)}`] } }));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${sha(cfg)}`, size: cfg.length }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${sha(layer)}`, size: layer.length }] }));
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${sha(manifest)}`, size: manifest.length, annotations: { "org.opencontainers.image.ref.name": "latest" } }] }));
  const archive = await tarOf([
    { name: "oci-layout", data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: "index.json", data: index },
    { name: "blobs", type: "directory" },
    { name: "blobs/sha256", type: "directory" },
    ...[layer, cfg, manifest].map((b) => ({ name: `blobs/sha256/${sha(b)}`, data: b })),
  ]);
  writeFileSync(file, archive);
}
