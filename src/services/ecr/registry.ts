/**
 * The OCI distribution API (distribution-spec v1.1, as ECR serves it) at `{account}.dkr.ecr.{region}.localhost:PORT`
 * (and `/v2/` on this server's loopback address, for the default account and region): the /v2/ ping with a
 * Basic challenge, blobs (HEAD/GET with ranges, DELETE), uploads (monolithic POST ?digest=, chunked
 * PATCH + PUT with Location/Range/Docker-Upload-UUID, cross-repository mount), manifests by tag or digest
 * (OCI and Docker v2 schema 2 manifests and indexes, Docker-Content-Digest, Accept negotiation for indexes),
 * tags/list with pagination, and _catalog. Errors in the registry's JSON format. Blob bodies are streamed both
 * ways, with size limits; manifests are at most 4 MB.
 */
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Readable } from "node:stream";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import type { ImageStore } from "../../images/image-store.js";
import { DEFAULT_ACCOUNT } from "../../images/index.js";
import { choosePlatform, isIndexType, MAX_MANIFEST_BYTES, parseManifest } from "../../images/media.js";
import { ECR_HOST } from "../../images/reference.js";
import { DigestMismatchError, TooLargeError, writeHashed } from "../../images/blob-store.js";
import type { RepoRow } from "../../images/registry-db.js";
import type { ServiceEnv } from "../host.js";
import { REPO_NAME } from "./common.js";
import { hashFile, MAX_LAYER_BYTES, uploadFile } from "./operations/layers.js";
import { isDigest, PushError, pushManifest } from "./push.js";
import { checkAuthorization } from "./tokens.js";

interface Ctx {
  images: ImageStore;
  env: ServiceEnv;
}
interface Target {
  account: string;
  region: string;
  host: string;
}

const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8" };
const API_VERSION = { "Docker-Distribution-API-Version": "registry/2.0" };

function regError(status: number, code: string, message: string, detail?: unknown, extra: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...JSON_TYPE, ...API_VERSION, ...extra }, body: JSON.stringify({ errors: [{ code, message, detail: detail ?? {} }] }) };
}
const empty = (status: number, headers: Record<string, string>): HttpResponse => ({ status, headers: { ...API_VERSION, "Content-Length": "0", ...headers }, body: "" });

export async function handleRegistryRequest(c: Ctx, req: HttpRequest, host: string): Promise<HttpResponse> {
  const m = ECR_HOST.exec(host);
  const t: Target = m ? { account: m[1]!, region: m[2]!.toLowerCase(), host } : { account: DEFAULT_ACCOUNT, region: c.env.config.region, host };
  const auth = req.headers.authorization;
  const refused = !auth || !/^(Basic|Bearer)\s+\S+/i.test(auth) ? "authentication required" : c.env.config.enforceSigV4 ? checkAuthorization(c.images, auth, t.account, c.env.clock.now()) : undefined;
  if (refused) {
    req.stream?.resume();
    return regError(401, "UNAUTHORIZED", refused, undefined, { "WWW-Authenticate": `Basic realm="http://${host}/",service="ecr.amazonaws.com"` });
  }
  try {
    return await route(c, t, req);
  } finally {
    req.stream?.resume(); // whatever a handler did not read is discarded, so the connection stays usable
  }
}

async function route(c: Ctx, t: Target, req: HttpRequest): Promise<HttpResponse> {
  const path = decodeURIComponent(req.path);
  if (path === "/v2" || path === "/v2/") return { status: 200, headers: { ...JSON_TYPE, ...API_VERSION }, body: "{}" };
  if (path === "/v2/_catalog" && req.method === "GET") return catalog(c, t, req);
  let m: RegExpExecArray | null;
  if ((m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(path)) && req.method === "POST") return withRepo(c, t, m[1]!, req, (r) => startUpload(c, t, r, req));
  if ((m = /^\/v2\/(.+)\/blobs\/uploads\/([0-9a-f-]{36})$/.exec(path))) return withRepo(c, t, m[1]!, req, (r) => upload(c, t, r, m![2]!, req));
  if ((m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path))) return withRepo(c, t, m[1]!, req, (r) => blob(c, t, r, m![2]!, req));
  if ((m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path))) return withRepo(c, t, m[1]!, req, (r) => manifest(c, t, r, m![2]!, req));
  if ((m = /^\/v2\/(.+)\/tags\/list$/.exec(path)) && req.method === "GET") return withRepo(c, t, m[1]!, req, (r) => tagsList(c, t, r, req));
  return regError(404, "NOT_FOUND", `no route for ${req.method} ${req.path}`);
}

async function withRepo(c: Ctx, t: Target, name: string, _req: HttpRequest, fn: (r: RepoRow) => Promise<HttpResponse> | HttpResponse): Promise<HttpResponse> {
  if (name.length > 256 || !REPO_NAME.test(name)) return regError(400, "NAME_INVALID", `invalid repository name ${name.slice(0, 256)}`);
  const repo = c.images.db.repo(t.account, t.region, name);
  if (!repo) return regError(404, "NAME_UNKNOWN", `The repository with name '${name}' does not exist in the registry with id '${t.account}'`);
  return fn(repo);
}

function catalog(c: Ctx, t: Target, req: HttpRequest): HttpResponse {
  const names = c.images.db.repos(t.account, t.region).map((r) => r.name);
  return paginate(req, names, (page) => ({ repositories: page }), `/v2/_catalog`);
}

function tagsList(c: Ctx, t: Target, r: RepoRow, req: HttpRequest): HttpResponse {
  const tags = c.images.db.tags(t.account, t.region, r.name);
  return paginate(req, tags, (page) => ({ name: r.name, tags: page }), `/v2/${r.name}/tags/list`);
}

/** ?n=&last= pagination with a Link header to the next page (distribution-spec "Listing Tags"). */
function paginate(req: HttpRequest, all: string[], body: (page: string[]) => object, base: string): HttpResponse {
  const last = req.query.get("last");
  const nRaw = req.query.get("n");
  const n = nRaw === null ? 1000 : Math.min(Math.max(Number.parseInt(nRaw, 10) || 0, 0), 1000);
  const from = last ? all.filter((x) => x > last) : all;
  const page = from.slice(0, n);
  const headers: Record<string, string> = { ...JSON_TYPE, ...API_VERSION };
  if (from.length > n && page.length) headers.Link = `<${base}?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`;
  return { status: 200, headers, body: JSON.stringify(body(page)) };
}

function blob(c: Ctx, t: Target, r: RepoRow, digest: string, req: HttpRequest): HttpResponse {
  if (!isDigest(digest)) return regError(400, "DIGEST_INVALID", `invalid digest ${digest.slice(0, 100)}`);
  const size = c.images.db.blobLinked(t.account, t.region, r.name, digest) ? c.images.files.size(digest) : undefined;
  if (req.method === "DELETE") return regError(405, "UNSUPPORTED", "The operation is unsupported: delete images with BatchDeleteImage");
  if (req.method !== "GET" && req.method !== "HEAD") return regError(405, "UNSUPPORTED", `${req.method} is not supported on blobs`);
  if (size === undefined) return regError(404, "BLOB_UNKNOWN", `blob unknown to registry: ${digest}`);
  const headers: Record<string, string> = { ...API_VERSION, "Content-Type": "application/octet-stream", "Docker-Content-Digest": digest, "Accept-Ranges": "bytes", ETag: `"${digest}"` };
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ""));
  if (range && (range[1] || range[2])) {
    let start = range[1] ? Number(range[1]) : size - Number(range[2]);
    let end = range[1] && range[2] ? Number(range[2]) : size - 1;
    start = Math.max(0, start);
    end = Math.min(end, size - 1);
    if (start > end || start >= size) return regError(416, "BLOB_UNKNOWN", "requested range not satisfiable", undefined, { "Content-Range": `bytes */${size}` });
    return { status: 206, headers: { ...headers, "Content-Length": String(end - start + 1), "Content-Range": `bytes ${start}-${end}/${size}` }, body: "", stream: req.method === "HEAD" ? undefined : c.images.files.stream(digest, { start, end }) };
  }
  if (req.method === "HEAD") return { status: 200, headers: { ...headers, "Content-Length": String(size) }, body: "", stream: emptyStream() };
  return { status: 200, headers: { ...headers, "Content-Length": String(size) }, body: "", stream: c.images.files.stream(digest) };
}

/** HEAD answers carry the blob's Content-Length with no body: an empty stream keeps the edge from overwriting it. */
function emptyStream(): Readable {
  return Readable.from([]);
}

async function startUpload(c: Ctx, t: Target, r: RepoRow, req: HttpRequest): Promise<HttpResponse> {
  const mount = req.query.get("mount");
  const from = req.query.get("from");
  if (mount && isDigest(mount)) {
    const source = from && REPO_NAME.test(from) ? from : undefined;
    if (source && c.images.db.blobLinked(t.account, t.region, source, mount) && c.images.files.has(mount)) {
      c.images.db.linkBlob(t.account, t.region, r.name, mount, c.images.files.size(mount)!);
      return empty(201, { Location: `/v2/${r.name}/blobs/${mount}`, "Docker-Content-Digest": mount });
    }
  }
  const digest = req.query.get("digest");
  if (digest !== null) {
    if (!isDigest(digest)) return regError(400, "DIGEST_INVALID", `invalid digest ${digest.slice(0, 100)}`);
    return finishMonolithic(c, t, r, digest, req);
  }
  const id = c.env.ids.uuid();
  writeFileSync(uploadFile(c.images, id), Buffer.alloc(0));
  c.images.db.startUpload(id, t.account, t.region, r.name, c.env.clock.now());
  return empty(202, { Location: `/v2/${r.name}/blobs/uploads/${id}`, Range: "0-0", "Docker-Upload-UUID": id });
}

async function finishMonolithic(c: Ctx, t: Target, r: RepoRow, digest: string, req: HttpRequest): Promise<HttpResponse> {
  try {
    const { size } = await c.images.files.putStream(bodyOf(req), digest, MAX_LAYER_BYTES);
    c.images.db.linkBlob(t.account, t.region, r.name, digest, size);
  } catch (e) {
    return blobWriteError(e);
  }
  return empty(201, { Location: `/v2/${r.name}/blobs/${digest}`, "Docker-Content-Digest": digest });
}

function blobWriteError(e: unknown): HttpResponse {
  if (e instanceof DigestMismatchError) return regError(400, "DIGEST_INVALID", "provided digest did not match uploaded content", { reason: e.message });
  if (e instanceof TooLargeError) return regError(413, "SIZE_INVALID", e.message);
  return regError(400, "BLOB_UPLOAD_INVALID", `blob upload invalid: ${(e as Error).message}`);
}

/** The request body as a stream (streamed planes), or the buffered body. */
function bodyOf(req: HttpRequest): Readable {
  if (req.stream) return req.stream;
  return Readable.from(req.body.length ? [req.body] : []);
}

async function upload(c: Ctx, t: Target, r: RepoRow, id: string, req: HttpRequest): Promise<HttpResponse> {
  const up = c.images.db.upload(id);
  const file = uploadFile(c.images, id);
  if (!up || up.account !== t.account || up.region !== t.region || up.repo !== r.name || !existsSync(file)) return regError(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
  const location = `/v2/${r.name}/blobs/uploads/${id}`;
  const progress = (size: number) => ({ Location: location, Range: `0-${Math.max(size - 1, 0)}`, "Docker-Upload-UUID": id });
  let size = statSync(file).size;
  switch (req.method) {
    case "GET":
      return empty(204, progress(size));
    case "DELETE":
      rmSync(file, { force: true });
      c.images.db.endUpload(id);
      return empty(204, {});
    case "PATCH":
    case "PUT": {
      const cr = /^(?:bytes )?(\d+)-(\d+)$/.exec(String(req.headers["content-range"] ?? ""));
      if (cr && Number(cr[1]) !== size) return regError(416, "BLOB_UPLOAD_INVALID", `content range starts at ${cr[1]}, the upload has ${size} bytes`, undefined, progress(size));
      try {
        size += (await writeHashed(bodyOf(req), file, MAX_LAYER_BYTES - size, true)).size;
      } catch (e) {
        return blobWriteError(e);
      }
      c.images.db.setUploadSize(id, size);
      if (req.method === "PATCH") return empty(202, progress(size));
      const digest = req.query.get("digest");
      if (!digest || !isDigest(digest)) return regError(400, "DIGEST_INVALID", "a sha256 digest query parameter is required to complete an upload");
      const actual = await hashFile(file);
      if (actual !== digest) return regError(400, "DIGEST_INVALID", "provided digest did not match uploaded content", { expected: digest, actual });
      c.images.files.adopt(file, digest);
      c.images.db.linkBlob(t.account, t.region, r.name, digest, size);
      c.images.db.endUpload(id);
      return empty(201, { Location: `/v2/${r.name}/blobs/${digest}`, "Docker-Content-Digest": digest });
    }
    default:
      return regError(405, "UNSUPPORTED", `${req.method} is not supported on uploads`);
  }
}

async function manifest(c: Ctx, t: Target, r: RepoRow, reference: string, req: HttpRequest): Promise<HttpResponse> {
  const db = c.images.db;
  if (req.method === "PUT") {
    const body = await readBounded(bodyOf(req), MAX_MANIFEST_BYTES);
    if (!body) return regError(400, "MANIFEST_INVALID", "manifest invalid: larger than 4 MB");
    const ct = String(req.headers["content-type"] ?? "").split(";")[0]!.trim() || undefined;
    const byDigest = isDigest(reference);
    if (!byDigest && reference.includes(":")) return regError(400, "DIGEST_INVALID", `invalid digest ${reference.slice(0, 100)}`);
    try {
      const pushed = pushManifest(c.images, { account: t.account, region: t.region, repo: r.name, mutability: r.mutability }, body, ct, byDigest ? undefined : reference, byDigest ? reference : undefined, c.env.clock.now());
      return empty(201, { Location: `/v2/${r.name}/manifests/${pushed.digest}`, "Docker-Content-Digest": pushed.digest });
    } catch (e) {
      if (e instanceof PushError) return regError(e.status, e.registryCode, e.message);
      throw e;
    }
  }
  const digest = isDigest(reference) ? reference : db.tagDigest(t.account, t.region, r.name, reference);
  const row = digest ? db.image(t.account, t.region, r.name, digest) : undefined;
  if (req.method === "DELETE") {
    if (!row) return regError(404, "MANIFEST_UNKNOWN", `manifest unknown: ${reference}`);
    if (isDigest(reference)) db.deleteImage(t.account, t.region, r.name, row.digest);
    else db.deleteTag(t.account, t.region, r.name, reference);
    return empty(202, {});
  }
  if (req.method !== "GET" && req.method !== "HEAD") return regError(405, "UNSUPPORTED", `${req.method} is not supported on manifests`);
  if (!row || !c.images.files.has(row.digest)) return regError(404, "MANIFEST_UNKNOWN", `Requested image not found`);
  let served = { digest: row.digest, mediaType: row.media_type };
  // A client that does not accept indexes (old Docker) gets the linux/amd64 image of one, as registries do.
  const accept = String(req.headers.accept ?? "");
  if (accept && isIndexType(served.mediaType) && !accepts(accept, served.mediaType)) {
    const idx = parseManifest(c.images.files.read(served.digest), served.mediaType);
    const pick = idx.kind === "index" ? choosePlatform(idx.manifests, "linux/amd64") : undefined;
    const child = pick ? db.image(t.account, t.region, r.name, pick.digest) : undefined;
    if (child && accepts(accept, child.media_type)) served = { digest: child.digest, mediaType: child.media_type };
  }
  const bytes = c.images.files.read(served.digest);
  const headers = { ...API_VERSION, "Content-Type": served.mediaType, "Docker-Content-Digest": served.digest, ETag: `"${served.digest}"`, "Content-Length": String(bytes.length) };
  if (req.method === "HEAD") return { status: 200, headers, body: "", stream: emptyStream() };
  return { status: 200, headers, body: bytes };
}

function accepts(accept: string, type: string): boolean {
  return accept.split(",").some((a) => {
    const v = a.split(";")[0]!.trim();
    return v === type || v === "*/*";
  });
}

async function readBounded(input: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of input) {
    n += (chunk as Buffer).length;
    if (n > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
