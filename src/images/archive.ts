/**
 * Local image archives into the store: `oci-archive:` (a tar of an OCI image layout: oci-layout, index.json,
 * blobs/sha256/…) and `docker-archive:` (`docker save` / `skopeo copy … docker-archive:`: manifest.json with
 * Config/RepoTags/Layers). Every blob is streamed into the store and verified against its name's digest (OCI)
 * or hashed (Docker archives, whose layers get an OCI manifest built here). An archive already imported
 * (same path, size and mtime) is not read again.
 */
import { realpathSync, statSync, createReadStream } from "node:fs";
import { posix } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract as tarExtract, type Header as Headers } from "tar-stream";
import type { ImageStore } from "./image-store.js";
import { choosePlatform, DIGEST, hostPlatform, MAX_MANIFEST_BYTES, MediaTypes, parseManifest, type Descriptor } from "./media.js";
import { compressionOf } from "./unpack.js";

export const ArchiveLimits = { MAX_BLOB_BYTES: 16 * 1024 ** 3, MAX_ENTRIES: 100_000 } as const;
const REF_NAME = "org.opencontainers.image.ref.name";

type Archive = { kind: "oci-archive" | "docker-archive"; file: string; ref?: string };

export async function importArchive(images: ImageStore, a: Archive, now: number): Promise<{ digest: string; mediaType: string }> {
  let real: string;
  let key: string;
  try {
    real = realpathSync(a.file);
    const st = statSync(real);
    if (!st.isFile()) throw new Error("not a file");
    key = `${a.kind}:${real}:${a.ref ?? ""}@${st.size}:${st.mtimeMs}`;
  } catch {
    throw new Error(`archive ${a.file} not found`);
  }
  const known = images.db.ref(key);
  if (known && images.files.has(known.digest)) return { digest: known.digest, mediaType: known.media_type };
  const content = await readArchive(images, real);
  const found = a.kind === "oci-archive" ? fromOciLayout(images, content, a.ref) : fromDockerArchive(images, content, a.ref);
  images.db.setRef(key, found.digest, found.mediaType, now);
  return found;
}

interface ArchiveContent {
  /** Small JSON files (index.json, manifest.json, oci-layout). */
  small: Map<string, Buffer>;
  /** Every regular file stored as a blob: path → digest and size. */
  blobs: Map<string, { digest: string; size: number }>;
}

async function readArchive(images: ImageStore, file: string): Promise<ArchiveContent> {
  const small = new Map<string, Buffer>();
  const blobs = new Map<string, { digest: string; size: number }>();
  const links = new Map<string, string>();
  const ex = tarExtract();
  let entries = 0;
  ex.on("entry", (h: Headers, source: unknown, next: (e?: Error | null) => void) => {
    // tar-stream hands out streamx streams: close enough to node streams for pipe/resume/async iteration.
    const stream = source as Readable;
    const name = posix.normalize(h.name).replace(/^(\.\/)+|^\/+/, "").replace(/\/$/, "");
    if (++entries > ArchiveLimits.MAX_ENTRIES) return next(new Error(`more than ${ArchiveLimits.MAX_ENTRIES} entries`));
    if (h.type === "symlink" || h.type === "link") {
      links.set(name, h.type === "symlink" ? posix.normalize(posix.join(posix.dirname(name), h.linkname ?? "")) : posix.normalize(h.linkname ?? ""));
      stream.resume();
      return next();
    }
    if (h.type !== "file" && h.type !== "contiguous-file") {
      stream.resume();
      return next();
    }
    const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
    if (!hex && (name.endsWith(".json") || name === "oci-layout") && (h.size ?? 0) <= MAX_MANIFEST_BYTES) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        small.set(name, Buffer.concat(chunks));
        next();
      });
      stream.on("error", (e: Error) => next(e));
      return;
    }
    images.files.putStream(stream, hex ? `sha256:${hex}` : undefined, ArchiveLimits.MAX_BLOB_BYTES).then(
      (r) => {
        blobs.set(name, r);
        next();
      },
      (e: unknown) => next(new Error(`${name}: ${(e as Error).message}`)),
    );
  });
  const gz = compressionOf(file) === "gzip";
  try {
    await pipeline(createReadStream(file), gz ? createGunzip() : new PassThrough(), ex);
  } catch (e) {
    throw new Error(`not a readable tar archive (${(e as Error).message})`);
  }
  for (const [alias, target] of links) {
    const b = blobs.get(target);
    if (b) blobs.set(alias, b);
    const s = small.get(target);
    if (s) small.set(alias, s);
  }
  return { small, blobs };
}

function json(content: ArchiveContent, name: string): unknown {
  const b = content.small.get(name) ?? (content.blobs.has(name) ? undefined : undefined);
  if (!b) throw new Error(`no ${name} in the archive`);
  try {
    return JSON.parse(b.toString("utf8"));
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
}

function fromOciLayout(images: ImageStore, content: ArchiveContent, ref?: string): { digest: string; mediaType: string } {
  const index = parseManifest(Buffer.from(JSON.stringify(json(content, "index.json"))), MediaTypes.OCI_INDEX);
  if (index.kind !== "index") throw new Error("index.json is not an image index");
  let pick: Descriptor | undefined;
  if (ref) pick = index.manifests.find((m) => m.annotations?.[REF_NAME] === ref || m.annotations?.[REF_NAME]?.endsWith(`:${ref}`));
  else if (index.manifests.length === 1) pick = index.manifests[0];
  else pick = choosePlatform(index.manifests, hostPlatform());
  if (!pick) throw new Error(ref ? `no image named "${ref}" in the archive` : "the archive holds several images: name one (oci-archive:FILE:NAME)");
  if (!images.files.has(pick.digest)) throw new Error(`manifest ${pick.digest} is missing from the archive`);
  const m = parseManifest(images.files.read(pick.digest), pick.mediaType);
  return { digest: pick.digest, mediaType: m.mediaType };
}

function fromDockerArchive(images: ImageStore, content: ArchiveContent, ref?: string): { digest: string; mediaType: string } {
  const list = json(content, "manifest.json") as Array<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }>;
  if (!Array.isArray(list) || !list.length) throw new Error("manifest.json lists no image");
  const norm = (t: string) => t.replace(/^docker\.io\//, "").replace(/^library\//, "");
  let entry = ref ? list.find((e) => (e.RepoTags ?? []).some((t) => norm(t) === norm(ref) || norm(t) === `${norm(ref)}:latest`)) : list[0];
  if (!entry && ref && /^\d+$/.test(ref)) entry = list[Number(ref)];
  if (!entry) throw new Error(`no image "${ref}" in the archive`);
  const blob = (name: string | undefined) => {
    const b = name ? content.blobs.get(posix.normalize(name)) : undefined;
    if (!b) throw new Error(`${name ?? "(no name)"} is missing from the archive`);
    return b;
  };
  const configBytes = entry.Config ? content.small.get(posix.normalize(entry.Config)) : undefined;
  const config = configBytes ? { digest: images.files.put(configBytes), size: configBytes.length } : blob(entry.Config);
  const layers = (entry.Layers ?? []).map((l) => {
    const b = blob(l);
    const gz = compressionOf(images.files.path(b.digest)) === "gzip";
    return { mediaType: gz ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER, digest: b.digest, size: b.size };
  });
  if (!DIGEST.test(config.digest)) throw new Error("bad config");
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.OCI_MANIFEST, config: { mediaType: MediaTypes.OCI_CONFIG, digest: config.digest, size: config.size }, layers }));
  return { digest: images.files.put(manifest), mediaType: MediaTypes.OCI_MANIFEST };
}
