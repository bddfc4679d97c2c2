/** Builds a tiny OCI image layout offline from Debian's static busybox (as issue 13 asks tests to). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTar, sha256, type Entry } from "./tar-fixtures.js";

export const BUSYBOX = "/bin/busybox";

export async function busyboxLayer(gzip = true): Promise<Buffer> {
  const entries: Entry[] = [{ name: "bin/", type: "directory" }, { name: "etc/", type: "directory" }, { name: "tmp/", type: "directory", mode: 0o1777 }];
  entries.push({ name: "bin/busybox", body: readFileSync(BUSYBOX), mode: 0o755 });
  for (const app of ["sh", "echo", "cat", "ls"]) entries.push({ name: `bin/${app}`, type: "symlink", linkname: "busybox" });
  entries.push({ name: "etc/motd", body: "from-oci-layout\n" });
  const tar = await makeTar(entries.map((e) => e), gzip);
  return tar;
}

/** Writes an OCI layout (oci-layout, index.json with ref name `tag`, blobs) into `dir`; returns the manifest digest. */
export async function writeOciLayout(dir: string, tag: string): Promise<string> {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    const d = sha256(b);
    writeFileSync(join(blobs, d.slice(7)), b);
    return d;
  };
  const layer = await busyboxLayer();
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Env: ["PATH=/bin"], Cmd: ["sh"], WorkingDir: "/" }, rootfs: { type: "layers", diff_ids: [] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: put(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: put(layer), size: layer.length }],
    }),
  );
  const md = put(manifest);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: md, size: manifest.length, annotations: { "org.opencontainers.image.ref.name": tag } }] }));
  return md;
}
