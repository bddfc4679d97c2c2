/**
 * One image store per data directory: blob files, the registry tables, and the unpacked root filesystems
 * (`<data dir>/images/rootfs/<manifest hex>`, made in a temp dir then renamed, so a rootfs is whole or absent).
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ServiceEnv } from "../services/host.js";
import type { Store } from "../store/store.js";
import { BlobFiles } from "./blob-store.js";
import type { ImageConfig } from "./index.js";
import { DIGEST, type Descriptor } from "./media.js";
import { RegistryDb } from "./registry-db.js";
import { applyLayer } from "./unpack.js";

const stores = new WeakMap<Store, ImageStore>();

/** The image store of a server (created on first use, shared by ECR, Batch, Lightsail and Lambda). */
export function imageStoreFor(env: Pick<ServiceEnv, "store" | "config">): ImageStore {
  let s = stores.get(env.store);
  if (!s) stores.set(env.store, (s = new ImageStore(env.store, join(env.store.options.dir, "images"))));
  return s;
}

export class ImageStore {
  readonly files: BlobFiles;
  readonly db: RegistryDb;
  private readonly unpacking = new Map<string, Promise<string>>();

  constructor(store: Store, root: string) {
    this.files = new BlobFiles(root);
    this.db = new RegistryDb(store);
    this.sweep(Date.now());
  }

  /**
   * Removes what a crash left behind: temp files and half-unpacked root filesystems older than an hour (younger
   * ones may belong to another process on the same data dir, e.g. `skyport image import`), and uploads abandoned
   * for a week (registries expire them too).
   */
  sweep(now: number): void {
    const old = (p: string, ageMs: number) => {
      try {
        return now - statSync(p).mtimeMs > ageMs;
      } catch {
        return false;
      }
    };
    for (const name of safeList(this.files.tmp)) if (name !== "uploads" && old(join(this.files.tmp, name), 3600_000)) rmSync(join(this.files.tmp, name), { recursive: true, force: true });
    for (const name of safeList(this.files.rootfs)) if (name.startsWith(".tmp-") && old(join(this.files.rootfs, name), 3600_000)) rmSync(join(this.files.rootfs, name), { recursive: true, force: true });
    const uploads = join(this.files.tmp, "uploads");
    for (const id of safeList(uploads)) {
      if (!old(join(uploads, id), 7 * 86400_000)) continue;
      rmSync(join(uploads, id), { force: true });
      this.db.endUpload(id);
    }
  }

  /** A manifest in an ECR repository by tag or digest: its digest and media type. */
  lookup(account: string, region: string, repo: string, tagOrDigest: string): { digest: string; mediaType: string } | undefined {
    const digest = DIGEST.test(tagOrDigest) ? tagOrDigest : this.db.tagDigest(account, region, repo, tagOrDigest);
    if (!digest) return undefined;
    const row = this.db.image(account, region, repo, digest);
    if (!row || !this.files.has(digest)) return undefined;
    return { digest, mediaType: row.media_type };
  }

  /** The runtime part of an image config blob (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts). */
  imageConfig(digest: string): ImageConfig {
    let doc: { config?: Record<string, unknown> };
    try {
      doc = JSON.parse(this.files.read(digest).toString("utf8")) as typeof doc;
    } catch {
      return {};
    }
    const c = doc?.config ?? {};
    const strings = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);
    const out: ImageConfig = {};
    if (strings(c.Entrypoint)) out.Entrypoint = strings(c.Entrypoint);
    if (strings(c.Cmd)) out.Cmd = strings(c.Cmd);
    if (strings(c.Env)) out.Env = strings(c.Env);
    if (typeof c.WorkingDir === "string" && c.WorkingDir) out.WorkingDir = c.WorkingDir;
    if (typeof c.User === "string" && c.User) out.User = c.User;
    if (c.ExposedPorts && typeof c.ExposedPorts === "object") out.ExposedPorts = c.ExposedPorts as Record<string, object>;
    return out;
  }

  /** The unpacked root filesystem of an image manifest; unpacks once (concurrent callers share the work). */
  unpack(manifestDigest: string, layers: Descriptor[]): Promise<string> {
    const final = join(this.files.rootfs, manifestDigest.slice(7));
    if (existsSync(final)) return Promise.resolve(final);
    let p = this.unpacking.get(manifestDigest);
    if (!p) {
      p = this.unpackInto(final, layers).finally(() => this.unpacking.delete(manifestDigest));
      this.unpacking.set(manifestDigest, p);
    }
    return p;
  }

  private async unpackInto(final: string, layers: Descriptor[]): Promise<string> {
    const tmp = join(this.files.rootfs, `.tmp-${randomUUID()}`);
    mkdirSync(tmp, { mode: 0o755 });
    try {
      for (const l of layers) await applyLayer(tmp, this.files.path(l.digest), l.digest);
      if (existsSync(final)) rmSync(tmp, { recursive: true, force: true });
      else renameSync(tmp, final);
      return final;
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
