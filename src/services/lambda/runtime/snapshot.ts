/**
 * The node runtime's V8 startup snapshot: an environment started with `node --snapshot-blob` has the runtime
 * client and the AWS SDK modules functions use most (bootstrap/node-snapshot.cjs) already loaded — and their
 * common request paths compiled (bootstrap/snapshot-warmup.cjs) — so its cold start loads no modules. Blobs are
 * built lazily in the background (never on the server's start path; the first launches start plainly meanwhile),
 * one per set of V8 flags — V8 refuses a blob built under other flags, and the heap limit follows the function's
 * memory — into a cache directory keyed by node's version, its binary, the bootstrap's sources and the SDK's versions.
 * A blob is used only once it started in a check run, which also lists the preloaded modules' exports (kept beside
 * the blob; the server writes its SDK tree with ES module entry points from them, esm-shims.ts). A new blob is checked
 * before it is renamed into place. A blob found on disk is used once its SHA-256 matches the one recorded at build
 * time: at once when its export list lies beside it (its build's check started it, under the same key), while one
 * start in this server process confirms it in the background; a blob of an older cache, without the list, only after
 * that start — launches wait for it, up to CHECK_WAIT_MS, since a plain start costs more. A missing, corrupt or
 * failing blob means the plain bootstrap meanwhile, and it is rebuilt. Gap: environments started from a blob that
 * then fails (its confirming start, or later) are not noticed: they fail to start.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Logger } from "../../../core/log.js";
import { SDK_INSIDE, writeEsmShims } from "./esm-shims.js";
import { bundleKey, bundleSnapshotEntry, PREBUILT_BUNDLE, run } from "./snapshot-build.js";

const BLOB = "node.blob";
/** Beside a blob its build wrote: the preloaded modules' export names, listed by the build's check run. */
const EXPORTS = "node.blob.exports.json";
const BUILD_TIMEOUT_MS = 120_000;
/** Builds and checks run in a minimal environment: nothing of the server's (credentials, paths) lands in a heap. */
const BUILD_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

interface BlobState {
  flags: string[];
  state: "checking" | "building" | "ready" | "failed";
  dir: string;
  error?: string;
  /** Resolves when the check of a blob found on disk ended (or there was none), or CHECK_WAIT_MS after a launch began waiting. */
  checked: Promise<void>;
  /** The check ended, or launches stopped waiting for it. */
  checkOver: boolean;
  /** Ends the wait for the check (resolves `checked`). */
  endCheck: () => void;
  /** Set when the first launch begins waiting for the check. */
  waitTimer?: NodeJS.Timeout;
  /** Resolves once the blob is ready or failed (a build ended; not waiting for a confirming start). */
  usable: Promise<void>;
  markUsable: () => void;
}

/**
 * Launches wait this long at most for the check of a blob found on disk without its export list (sha256 + one start:
 * ~0.2 s alone, 0.3–0.6 s beside a first deploy) rather than start plainly: a plain start costs 200–350 ms of CPU
 * that the check then competes with. A blob still to be built (seconds) is not waited for.
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
    createReadStream(path, { highWaterMark: 1 << 20 }).on("data", (d) => h.update(d)).on("error", reject).on("end", () => resolve(h.digest("hex")));
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
   * Gets the blob for these flags ready (see blobDir); resolves once it is ready or failed — a spare started before
   * would start plainly, without the SDK loaded. A confirming start in the background is not waited for.
   */
  usable(flags: string[]): Promise<void> {
    return this.state(flags).usable;
  }

  /** Gets a blob for these flags ready now if the cache holds one (found blobs are checked: cheap next to a build). */
  prepareIfCached(flags: string[]): void {
    if (existsSync(join(this.o.cacheDir, this.keyOf(flags), BLOB))) this.state(flags);
  }

  /**
   * While the blob for these flags, found on disk, is being checked: a promise of the check's end (bounded by
   * CHECK_WAIT_MS from the first launch that waits for it, not from the server's start: a busy machine's boot and
   * first deploy would use the wait up). An environment that would start plainly meanwhile waits for it instead.
   */
  checking(flags: string[]): Promise<void> | undefined {
    const b = this.state(flags);
    if (b.checkOver) return undefined;
    // Checks and builds run one after another: behind a build (seconds), this check is not imminent.
    for (const other of this.blobs.values()) if (other.state === "building") return undefined;
    b.waitTimer ??= setTimeout(b.endCheck, CHECK_WAIT_MS).unref();
    return b.checked;
  }

  private keyOf(flags: string[]): string {
    const id = flags.join(" ");
    let key = this.keys.get(id);
    if (!key) this.keys.set(id, (key = blobKey(flags)));
    return key;
  }

  private state(flags: string[]): BlobState {
    const key = this.keyOf(flags);
    const b = this.blobs.get(key);
    if (b) return b;
    let resolveCheck!: () => void;
    let markUsable!: () => void;
    const usable = new Promise<void>((resolve) => (markUsable = resolve));
    const checked = new Promise<void>((resolve) => (resolveCheck = resolve));
    const over = () => {
      s.checkOver = true;
      clearTimeout(s.waitTimer);
      resolveCheck();
    };
    const s: BlobState = { flags, state: "checking", dir: join(this.o.cacheDir, key), checked, checkOver: false, endCheck: over, usable, markUsable };
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

  health(): Record<string, unknown> {
    const blobs = [...this.blobs.values()].map((b) => ({ flags: b.flags.join(" "), state: b.state, ...(b.error ? { error: b.error } : {}) }));
    return { blobs, launchesFromSnapshot: this.launches.snapshot, launchesPlain: this.launches.plain, rejected: this.rejected };
  }

  /** Stops the work in flight and resolves when it wrote its last file (the data dir may be removed next). */
  close(): Promise<void> {
    this.stop.abort();
    return this.queue;
  }

  /** `checkOver`: called once the blob found on disk may be used or was rejected (or there is none). */
  private async prepare(s: BlobState, checkOver: () => void): Promise<void> {
    if (this.stop.signal.aborted) return;
    const blob = join(s.dir, BLOB);
    const exports = join(s.dir, EXPORTS);
    if (existsSync(blob) && existsSync(`${blob}.sha256`)) {
      const want = readFileSync(`${blob}.sha256`, "utf8").trim();
      let why = (await sha256File(blob)) !== want ? "does not match its checksum" : undefined;
      // With its export list beside it the blob started in its build's check, under the same key (node's version
      // and binary, the bootstrap, the SDK, the flags): used at once, while one start here confirms it. Without
      // (an older cache), launches wait for that start, which writes the list.
      const listed = !why && existsSync(exports);
      if (!why && !listed) why = await this.checkAndList(s.flags, blob, exports);
      if (!why) {
        this.ready(s);
        checkOver();
        if (!this.esm) this.writeEsm(exports); // launches meanwhile walk the SDK itself for ES module imports
        if (!listed || !(why = await this.check(s.flags, blob))) return;
      }
      this.rejected++;
      this.o.log.warn(`lambda: the node snapshot ${blob} ${why}; environments start plainly until it is rebuilt`);
      rmSync(s.dir, { recursive: true, force: true });
    }
    s.state = "building";
    checkOver();
    await this.build(s);
  }

  /** The check of a blob without its export list: the list the start wrote is kept only when it passed. */
  private async checkAndList(flags: string[], blob: string, exports: string): Promise<string | undefined> {
    const listed = `${exports}.${process.pid}.tmp`;
    try {
      const why = await this.check(flags, blob, listed);
      if (!why) renameSync(listed, exports);
      return why;
    } finally {
      rmSync(listed, { force: true }); // a check cut short or failed leaves no list
    }
  }

  /**
   * Starts a blob once: undefined when it deserializes and holds its modules, else what went wrong. With
   * `exportsTo`, the run also writes there the preloaded modules' export names (for esm-shims.ts).
   */
  private async check(flags: string[], blob: string, exportsTo?: string): Promise<string | undefined> {
    const env = { ...BUILD_ENV, SKYPORT_SNAPSHOT_CHECK: "1", ...(exportsTo ? { SKYPORT_SNAPSHOT_EXPORTS: exportsTo } : {}) };
    const r = await run(process.execPath, [...flags, "--snapshot-blob", blob], { cwd: dirname(blob), env, timeoutMs: BUILD_TIMEOUT_MS, signal: this.stop.signal });
    this.stop.signal.throwIfAborted();
    const ok = r.code === 0 && r.out.includes("skyport-snapshot-ok") && (!exportsTo || existsSync(exportsTo));
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
    }
  }

  private async build(s: BlobState): Promise<void> {
    mkdirSync(s.dir, { recursive: true, mode: 0o755 });
    const bundle = await this.bundleFile();
    const tmp = join(s.dir, `${BLOB}.${process.pid}.tmp`);
    const tmpExports = join(s.dir, `${EXPORTS}.${process.pid}.tmp`);
    const built = await run(process.execPath, [...s.flags, "--snapshot-blob", tmp, "--build-snapshot", bundle], { cwd: s.dir, env: BUILD_ENV, timeoutMs: BUILD_TIMEOUT_MS, signal: this.stop.signal });
    let bad = built.code !== 0 || !existsSync(tmp) ? `node --build-snapshot failed (${built.code}): ${built.out.trim().split("\n").slice(-3).join(" ")}` : undefined;
    try {
      bad ??= await this.check(s.flags, tmp, tmpExports).then((why) => why && `the new snapshot ${why}`);
    } finally {
      if (bad || this.stop.signal.aborted) for (const f of [tmp, tmpExports]) rmSync(f, { force: true });
    }
    this.stop.signal.throwIfAborted();
    if (bad) throw new Error(bad);
    const sum = await sha256File(tmp);
    // The export list last: with it, a server finding this blob uses it before its own check ran (prepare).
    renameSync(tmp, join(s.dir, BLOB));
    writeFileSync(join(s.dir, `${BLOB}.sha256.${process.pid}.tmp`), `${sum}\n`, { mode: 0o644 });
    renameSync(join(s.dir, `${BLOB}.sha256.${process.pid}.tmp`), join(s.dir, `${BLOB}.sha256`));
    renameSync(tmpExports, join(s.dir, EXPORTS));
    this.ready(s);
    if (!this.esm) this.writeEsm(join(s.dir, EXPORTS));
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

  private ready(s: BlobState): void {
    s.state = "ready";
    s.markUsable();
  }

  private fail(s: BlobState, e: unknown): void {
    s.state = "failed";
    s.markUsable();
    if (this.stop.signal.aborted) return;
    s.error = e instanceof Error ? e.message : String(e);
    this.o.log.warn(`lambda: no node snapshot (${s.flags.join(" ")}), environments start plainly: ${s.error}`);
  }
}
