/**
 * The registry's tables (prefixed `ecr_`): repositories, images (one row per manifest digest in a
 * repository), tags, blobs linked to repositories (a blob is visible through a repository only once pushed
 * or mounted there, as on a registry), chunked uploads in progress, and the references resolved outside ECR
 * (archives, remote registries) so they work again offline.
 */
import type { Db, Store } from "../store/store.js";

const MIGRATIONS = [
  `CREATE TABLE ecr_repositories (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, created_at REAL NOT NULL,
     mutability TEXT NOT NULL, scan_on_push INTEGER NOT NULL, encryption TEXT NOT NULL,
     policy TEXT, lifecycle TEXT, tags TEXT NOT NULL DEFAULT '[]',
     PRIMARY KEY (account, region, name))`,
  `CREATE TABLE ecr_images (
     account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL,
     media_type TEXT NOT NULL, size_bytes INTEGER NOT NULL, pushed_at REAL NOT NULL, artifact_type TEXT,
     PRIMARY KEY (account, region, repo, digest))`,
  `CREATE TABLE ecr_tags (
     account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,
     PRIMARY KEY (account, region, repo, tag))`,
  `CREATE INDEX ecr_tags_digest ON ecr_tags (account, region, repo, digest)`,
  `CREATE TABLE ecr_blobs (
     account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL,
     PRIMARY KEY (account, region, repo, digest))`,
  `CREATE TABLE ecr_uploads (
     id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, size INTEGER NOT NULL, created_at REAL NOT NULL)`,
  `CREATE TABLE ecr_refs (ref TEXT PRIMARY KEY, digest TEXT NOT NULL, media_type TEXT NOT NULL, resolved_at REAL NOT NULL)`,
  `CREATE TABLE ecr_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)`,
];

export interface RepoRow {
  account: string;
  region: string;
  name: string;
  created_at: number;
  mutability: string;
  scan_on_push: number;
  encryption: string;
  policy: string | null;
  lifecycle: string | null;
  tags: string;
}
export interface ImageRow {
  repo: string;
  digest: string;
  media_type: string;
  size_bytes: number;
  pushed_at: number;
  artifact_type: string | null;
}

/** Typed statements over the ecr_ tables; one per Store (see registryDb()). */
export class RegistryDb {
  readonly db: Db;
  constructor(readonly store: Store) {
    store.migrate("ecr", MIGRATIONS);
    this.db = store.db;
  }

  repo(account: string, region: string, name: string): RepoRow | undefined {
    return this.db.prepare("SELECT * FROM ecr_repositories WHERE account = ? AND region = ? AND name = ?").get(account, region, name) as RepoRow | undefined;
  }

  repos(account: string, region: string): RepoRow[] {
    return this.db.prepare("SELECT * FROM ecr_repositories WHERE account = ? AND region = ? ORDER BY name").all(account, region) as RepoRow[];
  }

  insertRepo(r: RepoRow): void {
    this.db
      .prepare("INSERT INTO ecr_repositories (account, region, name, created_at, mutability, scan_on_push, encryption, policy, lifecycle, tags) VALUES (@account, @region, @name, @created_at, @mutability, @scan_on_push, @encryption, @policy, @lifecycle, @tags)")
      .run(r);
  }

  updateRepo(account: string, region: string, name: string, fields: Partial<Pick<RepoRow, "mutability" | "scan_on_push" | "policy" | "lifecycle" | "tags">>): void {
    const cols = Object.keys(fields);
    if (!cols.length) return;
    this.db.prepare(`UPDATE ecr_repositories SET ${cols.map((c) => `${c} = @${c}`).join(", ")} WHERE account = @account AND region = @region AND name = @name`).run({ ...fields, account, region, name });
  }

  deleteRepo(account: string, region: string, name: string): void {
    this.db.transaction(() => {
      for (const t of ["ecr_repositories", "ecr_images", "ecr_tags", "ecr_blobs"]) {
        const col = t === "ecr_repositories" ? "name" : "repo";
        this.db.prepare(`DELETE FROM ${t} WHERE account = ? AND region = ? AND ${col} = ?`).run(account, region, name);
      }
    })();
  }

  imageCount(account: string, region: string, repo: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM ecr_images WHERE account = ? AND region = ? AND repo = ?").get(account, region, repo) as { n: number }).n;
  }

  image(account: string, region: string, repo: string, digest: string): ImageRow | undefined {
    return this.db.prepare("SELECT * FROM ecr_images WHERE account = ? AND region = ? AND repo = ? AND digest = ?").get(account, region, repo, digest) as ImageRow | undefined;
  }

  images(account: string, region: string, repo: string): ImageRow[] {
    return this.db.prepare("SELECT * FROM ecr_images WHERE account = ? AND region = ? AND repo = ? ORDER BY pushed_at, digest").all(account, region, repo) as ImageRow[];
  }

  putImage(account: string, region: string, row: ImageRow): void {
    this.db
      .prepare("INSERT INTO ecr_images (account, region, repo, digest, media_type, size_bytes, pushed_at, artifact_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
      .run(account, region, row.repo, row.digest, row.media_type, row.size_bytes, row.pushed_at, row.artifact_type);
  }

  deleteImage(account: string, region: string, repo: string, digest: string): void {
    this.db.prepare("DELETE FROM ecr_images WHERE account = ? AND region = ? AND repo = ? AND digest = ?").run(account, region, repo, digest);
    this.db.prepare("DELETE FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? AND digest = ?").run(account, region, repo, digest);
  }

  tagDigest(account: string, region: string, repo: string, tag: string): string | undefined {
    return (this.db.prepare("SELECT digest FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? AND tag = ?").get(account, region, repo, tag) as { digest: string } | undefined)?.digest;
  }

  tagsOf(account: string, region: string, repo: string, digest: string): string[] {
    return (this.db.prepare("SELECT tag FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? AND digest = ? ORDER BY tag").all(account, region, repo, digest) as Array<{ tag: string }>).map((r) => r.tag);
  }

  tags(account: string, region: string, repo: string): string[] {
    return (this.db.prepare("SELECT tag FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? ORDER BY tag").all(account, region, repo) as Array<{ tag: string }>).map((r) => r.tag);
  }

  setTag(account: string, region: string, repo: string, tag: string, digest: string): void {
    this.db.prepare("INSERT INTO ecr_tags (account, region, repo, tag, digest) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET digest = excluded.digest").run(account, region, repo, tag, digest);
  }

  deleteTag(account: string, region: string, repo: string, tag: string): void {
    this.db.prepare("DELETE FROM ecr_tags WHERE account = ? AND region = ? AND repo = ? AND tag = ?").run(account, region, repo, tag);
  }

  linkBlob(account: string, region: string, repo: string, digest: string, size: number): void {
    this.db.prepare("INSERT INTO ecr_blobs (account, region, repo, digest, size) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING").run(account, region, repo, digest, size);
  }

  blobLinked(account: string, region: string, repo: string, digest: string): boolean {
    return this.db.prepare("SELECT 1 FROM ecr_blobs WHERE account = ? AND region = ? AND repo = ? AND digest = ?").get(account, region, repo, digest) !== undefined;
  }

  upload(id: string): { id: string; account: string; region: string; repo: string; size: number } | undefined {
    return this.db.prepare("SELECT * FROM ecr_uploads WHERE id = ?").get(id) as { id: string; account: string; region: string; repo: string; size: number } | undefined;
  }

  startUpload(id: string, account: string, region: string, repo: string, now: number): void {
    this.db.prepare("INSERT INTO ecr_uploads (id, account, region, repo, size, created_at) VALUES (?, ?, ?, ?, 0, ?)").run(id, account, region, repo, now);
  }

  setUploadSize(id: string, size: number): void {
    this.db.prepare("UPDATE ecr_uploads SET size = ? WHERE id = ?").run(size, id);
  }

  endUpload(id: string): void {
    this.db.prepare("DELETE FROM ecr_uploads WHERE id = ?").run(id);
  }

  ref(ref: string): { digest: string; media_type: string } | undefined {
    return this.db.prepare("SELECT digest, media_type FROM ecr_refs WHERE ref = ?").get(ref) as { digest: string; media_type: string } | undefined;
  }

  setRef(ref: string, digest: string, mediaType: string, now: number): void {
    this.db.prepare("INSERT INTO ecr_refs (ref, digest, media_type, resolved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET digest = excluded.digest, media_type = excluded.media_type, resolved_at = excluded.resolved_at").run(ref, digest, mediaType, now);
  }
}
