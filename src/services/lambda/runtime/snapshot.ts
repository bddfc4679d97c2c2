/**
 * The node runtime's V8 startup snapshot: an environment started with `node --snapshot-blob` has the runtime
 * client and the AWS SDK modules functions use most (bootstrap/node-snapshot.cjs) already loaded — and their
 * common request paths compiled (bootstrap/snapshot-warmup.cjs) — so its cold start loads no modules. Blobs are
 * built lazily in the background (never on the server's start path; the first launches start plainly meanwhile —
 * except that a blob found on disk is waited for while it is checked, up to CHECK_WAIT_MS: a plain start costs more),
 * one per set of V8 flags — V8 refuses a blob built under other flags, and the heap limit follows the function's
 * memory — into a cache directory keyed by node's version, its binary, the bootstrap's sources and the SDK's versions.
 * A blob is used only once it started in a check run (also when found
 * on disk, once per server process, after its SHA-256 matched the one recorded at build time); a missing, corrupt or
 * failing blob means the plain bootstrap meanwhile, and it is rebuilt. Gap: a blob that goes bad after its check is
 * not noticed (its environments fail to start). The first check in a server process also lists the preloaded
 * modules' exports, from which the server writes its SDK tree with ES module entry points (esm-shims.ts).
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Logger } from "../../../core/log.js";
import { SDK_INSIDE, writeEsmShims } from "./esm-shims.js";
import { bundleKey, bundleSnapshotEntry, PREBUILT_BUNDLE, run } from "./snapshot-build.js";

const BLOB = "node.blob";
const BUILD_TIMEOUT_MS = 120_000;
/** Builds and checks run in a minimal environment: nothing of the server's (credentials, paths) lands in a heap. */
const BUILD_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

interface BlobState {
  flags: string[];
  state: "checking" | "building" | "ready" | "failed";
  dir: string;
  error?: string;
  /** Resolves when the check of a blob found on disk ended (or there was none), or after CHECK_WAIT_MS. */
  checked: Promise<void>;
  /** The check ended, or launches stopped waiting for it. */
  checkOver: boolean;
}

/**
 * Launches wait this long at most for the check of a blob found on disk (sha256 + one start + the SDK tree: ~0.15 s
 * alone, 0.3–0.6 s beside a first deploy) rather than start plainly: a plain start costs 200–350 ms of CPU that the
 * check then competes with. A blob still to be built (seconds) is not waited for.
 */
const CHECK_WAIT_MS = 3_000;

export interface SnapshotOptions {
  /** Where bundles and blobs are kept (see snapshotCacheDir). */
  cacheDir: string;
  /** The SDK the snapshot preloads (Skyport's node_modules, the provided SDK). */
  nodeModules: string;
  /** This server's own folder for the sandbox's SDK tree with ES module entry points (esm-shims.ts). */
  esmDir: string;
  log: Logger;
}

/** The cache: the data dir's, or for an ephemeral server the user's cache (a blob is worth keeping across runs). */
export function snapshotCacheDir(dataDir: string, ephemeral: boolean): string {
  if (!ephemeral) return join(dataDir, "cache", "lambda-snapshots");
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "skyport", "lambda-snapshots");
}

/** The key of the blob for these V8 flags (its directory's name in the cache). */
export function blobKey(flags: string[]): string {
  return createHash("sha256").update(JSON.stringify([bundleKey(), process.version, process.execPath, process.arch, flags])).digest("hex").slice(0, 20);
}

const sha256File = (path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path).on("data", (d) => h.update(d)).on("error", reject).on("end", () => resolve(h.digest("hex")));
  });

export class NodeSnapshots {
  private readonly blobs = new Map<string, BlobState>();
  private queue: Promise<void> = Promise.resolve();
  private bundle?: Promise<string>;
  /** Aborted on close: kills a build or check in flight, whose results then touch nothing. */
  private readonly stop = new AbortController();
  /** Environments of functions that want the snapshot launched from a blob, and plainly (theirs was not ready yet). */
  launches = { snapshot: 0, plain: 0 };
  /** Blobs found on disk that failed their checksum or their check run (removed and rebuilt). */
  rejected = 0;
  /** The SDK tree with ES module entry points, once written (after the first blob's check named the exports). */
  private esm?: string;

  /** Blob keys by flags (blobKey reads the bootstrap's files). */
  private readonly keys = new Map<string, string>();

  constructor(private readonly o: SnapshotOptions) {}

  /** The directory holding the blob for these V8 flags when it is ready; otherwise undefined, and it gets ready in the background. */
  blobDir(flags: string[]): string | undefined {
    const b = this.state(flags);
    return b.state === "ready" ? b.dir : undefined;
  }

  /**
   * While the blob for these flags, found on disk, is being checked: a promise of the check's end (bounded by
   * CHECK_WAIT_MS). An environment that would start plainly meanwhile waits for it instead.
   */
  checking(flags: string[]): Promise<void> | undefined {
    const b = this.state(flags);
    if (b.checkOver) return undefined;
    // Checks and builds run one after another: behind a build (seconds), this check is not imminent.
    for (const other of this.blobs.values()) if (other.state === "building") return undefined;
    return b.checked;
  }

  private state(flags: string[]): BlobState {
    const id = flags.join(" ");
    let key = this.keys.get(id);
    if (!key) this.keys.set(id, (key = blobKey(flags)));
    const b = this.blobs.get(key);
    if (b) return b;
    let endCheck!: () => void;
    const s: BlobState = { flags, state: "checking", dir: join(this.o.cacheDir, key), checked: new Promise((resolve) => (endCheck = resolve)), checkOver: false };
    const over = () => {
      s.checkOver = true;
      clearTimeout(timer);
      endCheck();
    };
    const timer = setTimeout(over, CHECK_WAIT_MS).unref();
    this.blobs.set(key, s);
    this.queue = this.queue.then(() => this.prepare(s, over)).catch((e) => this.fail(s, e)).finally(over);
    return s;
  }

  /**
   * The SDK tree for the sandbox's walked node_modules in which the preloaded packages have ES module entry points
   * (esm-shims.ts); undefined until a blob is ready, or when it could not be written.
   */
  esmTree(): string | undefined {
    return this.esm;
  }

  /** Counts a launch (health says how many environments started from a blob). */
  noteLaunch(fromSnapshot: boolean): void {
    if (fromSnapshot) this.launches.snapshot++;
    else this.launches.plain++;
  }

  /** Resolves when every blob asked for so far is ready or failed (tests, benchmarks). */
  settled(): Promise<void> {
    return this.queue;
  }

  health(): Record<string, unknown> {
    const blobs = [...this.blobs.values()].map((b) => ({ flags: b.flags.join(" "), state: b.state, ...(b.error ? { error: b.error } : {}) }));
    return { blobs, launchesFromSnapshot: this.launches.snapshot, launchesPlain: this.launches.plain, rejected: this.rejected };
  }

  /** Stops the work in flight and resolves when it wrote its last file (the data dir may be removed next). */
  close(): Promise<void> {
    this.stop.abort();
    return this.queue;
  }

  /** `checkOver`: called once the blob found on disk passed or failed its check (or there is none). */
  private async prepare(s: BlobState, checkOver: () => void): Promise<void> {
    if (this.stop.signal.aborted) return;
    const blob = join(s.dir, BLOB);
    if (existsSync(blob) && existsSync(`${blob}.sha256`)) {
      const want = readFileSync(`${blob}.sha256`, "utf8").trim();
      const why = (await sha256File(blob)) !== want ? "does not match its checksum" : await this.check(s.flags, blob);
      if (!why) {
        s.state = "ready";
        return checkOver();
      }
      this.rejected++;
      this.o.log.warn(`lambda: the node snapshot ${blob} ${why}; environments start plainly until it is rebuilt`);
      rmSync(s.dir, { recursive: true, force: true });
    }
    s.state = "building";
    checkOver();
    await this.build(s);
  }

  /** Starts a blob once: undefined when it deserializes and holds its modules, else what went wrong. */
  private async check(flags: string[], blob: string): Promise<string | undefined> {
    const names = `${this.o.esmDir}.exports.json`;
    if (!this.esm) mkdirSync(dirname(names), { recursive: true });
    const env = { ...BUILD_ENV, SKYPORT_SNAPSHOT_CHECK: "1", ...(this.esm ? {} : { SKYPORT_SNAPSHOT_EXPORTS: names }) };
    const r = await run(process.execPath, [...flags, "--snapshot-blob", blob], { cwd: dirname(blob), env, timeoutMs: BUILD_TIMEOUT_MS, signal: this.stop.signal });
    this.stop.signal.throwIfAborted();
    const ok = r.code === 0 && r.out.includes("skyport-snapshot-ok");
    if (ok && !this.esm) this.writeEsm(names);
    return ok ? undefined : `does not start (${r.code}): ${r.out.trim().split("\n").slice(-2).join(" ")}`;
  }

  /** Writes the SDK tree with ES module entry points from the export names a check run listed (esm-shims.ts). */
  private writeEsm(namesFile: string): void {
    try {
      const names = JSON.parse(readFileSync(namesFile, "utf8")) as Record<string, string[]>;
      writeEsmShims(this.o.esmDir, this.o.nodeModules, SDK_INSIDE, names);
      this.esm = this.o.esmDir;
    } catch (e) {
      this.o.log.warn(`lambda: no ES module entry points for the preloaded SDK (ES module handlers import it more slowly): ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      rmSync(namesFile, { force: true });
    }
  }

  private async build(s: BlobState): Promise<void> {
    mkdirSync(s.dir, { recursive: true, mode: 0o755 });
    const bundle = await this.bundleFile();
    const tmp = join(s.dir, `${BLOB}.${process.pid}.tmp`);
    const built = await run(process.execPath, [...s.flags, "--snapshot-blob", tmp, "--build-snapshot", bundle], { cwd: s.dir, env: BUILD_ENV, timeoutMs: BUILD_TIMEOUT_MS, signal: this.stop.signal });
    let bad = built.code !== 0 || !existsSync(tmp) ? `node --build-snapshot failed (${built.code}): ${built.out.trim().split("\n").slice(-3).join(" ")}` : undefined;
    try {
      bad ??= await this.check(s.flags, tmp).then((why) => why && `the new snapshot ${why}`);
    } finally {
      if (bad || this.stop.signal.aborted) rmSync(tmp, { force: true });
    }
    this.stop.signal.throwIfAborted();
    if (bad) throw new Error(bad);
    const sum = await sha256File(tmp);
    renameSync(tmp, join(s.dir, BLOB));
    writeFileSync(join(s.dir, `${BLOB}.sha256.${process.pid}.tmp`), `${sum}\n`, { mode: 0o644 });
    renameSync(join(s.dir, `${BLOB}.sha256.${process.pid}.tmp`), join(s.dir, `${BLOB}.sha256`));
    s.state = "ready";
    this.o.log.debug(`lambda: node snapshot ready (${s.flags.join(" ")}): ${s.dir}`);
  }

  private bundleFile(): Promise<string> {
    this.bundle ??= (async () => {
      const key = bundleKey();
      if (existsSync(PREBUILT_BUNDLE(key))) return PREBUILT_BUNDLE(key);
      const file = join(this.o.cacheDir, `bundle-${key}.cjs`);
      if (existsSync(file)) return file;
      mkdirSync(this.o.cacheDir, { recursive: true, mode: 0o755 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, await bundleSnapshotEntry(this.o.nodeModules), { mode: 0o644 });
      renameSync(tmp, file);
      return file;
    })();
    this.bundle.catch(() => (this.bundle = undefined));
    return this.bundle;
  }

  private fail(s: BlobState, e: unknown): void {
    s.state = "failed";
    if (this.stop.signal.aborted) return;
    s.error = e instanceof Error ? e.message : String(e);
    this.o.log.warn(`lambda: no node snapshot (${s.flags.join(" ")}), environments start plainly: ${s.error}`);
  }
}
