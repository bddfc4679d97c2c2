/**
 * Pulls from remote registries (Docker Hub, public.ecr.aws, ghcr.io, any OCI distribution registry) with the
 * anonymous token flow: a 401 names a Bearer realm; a token for `repository:<path>:pull` is fetched from it and
 * the request retried. Manifests, configs and layers are verified against their digests as they are stored.
 * Without network it fails fast (MANIFEST_TIMEOUT_MS per request, never hanging) with `offline` set, so the
 * caller can fall back to the copy pulled last time.
 */
import { Readable } from "node:stream";
import type { ImageStore } from "./image-store.js";
import { choosePlatform, MANIFEST_TYPES, MAX_MANIFEST_BYTES, parseManifest } from "./media.js";
import { parseChallenge, registryHost, type ImageRef } from "./reference.js";

export class RemoteError extends Error {
  constructor(message: string, readonly offline = false) {
    super(message);
  }
}

export const RemoteLimits = { MANIFEST_TIMEOUT_MS: 8_000, BLOB_TIMEOUT_MS: 10 * 60_000, MAX_BLOB_BYTES: 16 * 1024 ** 3 } as const;

type RegistryRef = Extract<ImageRef, { kind: "registry" }>;

export async function pullRemote(images: ImageStore, ref: RegistryRef, platform: string): Promise<{ digest: string; mediaType: string }> {
  // Loopback registries speak plain HTTP (as Docker treats localhost registries as insecure); the others HTTPS.
  const scheme = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(ref.domain) ? "http" : "https";
  const base = `${scheme}://${registryHost(ref.domain)}/v2/${ref.path}`;
  const session = new Session(ref.path);
  const top = await fetchManifest(images, session, base, ref.digest ?? ref.tag!, ref.digest);
  let image = top;
  if (top.parsed.kind === "index") {
    const pick = choosePlatform(top.parsed.manifests, platform);
    if (!pick) throw new RemoteError(`no manifest for platform ${platform}`);
    image = await fetchManifest(images, session, base, pick.digest, pick.digest);
  }
  if (image.parsed.kind !== "image") throw new RemoteError("nested image indexes are not supported");
  for (const d of [image.parsed.config, ...image.parsed.layers]) {
    if (images.files.has(d.digest)) continue;
    const res = await session.get(`${base}/blobs/${d.digest}`, {}, RemoteLimits.BLOB_TIMEOUT_MS);
    if (res.status !== 200 || !res.body) throw new RemoteError(`blob ${d.digest}: HTTP ${res.status}`);
    try {
      await images.files.putStream(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), d.digest, RemoteLimits.MAX_BLOB_BYTES);
    } catch (e) {
      throw new RemoteError(`blob ${d.digest}: ${(e as Error).message}`);
    }
  }
  return { digest: top.digest, mediaType: top.parsed.mediaType };
}

async function fetchManifest(images: ImageStore, session: Session, base: string, pointer: string, expected?: string) {
  const res = await session.get(`${base}/manifests/${pointer}`, { Accept: MANIFEST_TYPES.join(", ") }, RemoteLimits.MANIFEST_TIMEOUT_MS);
  if (res.status === 404) throw new RemoteError("not found: manifest unknown");
  if (res.status === 401 || res.status === 403) throw new RemoteError("pull access denied (the repository does not exist or needs credentials)");
  if (res.status !== 200) throw new RemoteError(`manifest ${pointer}: HTTP ${res.status}`);
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_MANIFEST_BYTES) throw new RemoteError("manifest larger than 4 MB");
  const bytes = Buffer.from(await res.arrayBuffer());
  let digest: string;
  try {
    digest = images.files.put(bytes, expected);
  } catch (e) {
    throw new RemoteError((e as Error).message);
  }
  try {
    return { digest, parsed: parseManifest(bytes, res.headers.get("content-type")?.split(";")[0]?.trim()) };
  } catch (e) {
    throw new RemoteError(`manifest ${pointer}: ${(e as Error).message}`);
  }
}

/** One pull's HTTP: remembers the bearer token once obtained. */
class Session {
  private token: string | undefined;
  /** Until a registry first answers, all requests together get 10 s: an unreachable one never holds a pull longer. */
  private deadline = Date.now() + RemoteLimits.MANIFEST_TIMEOUT_MS + 2_000;
  constructor(private readonly path: string) {}

  async get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
    if (timeoutMs <= RemoteLimits.MANIFEST_TIMEOUT_MS) timeoutMs = Math.max(1, Math.min(timeoutMs, this.deadline - Date.now()));
    let res = await this.fetch(url, headers, timeoutMs);
    if (res.status === 401 && !this.token) {
      const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
      await res.body?.cancel();
      if (challenge?.scheme === "bearer" && challenge.params.realm) {
        this.token = await this.fetchToken(challenge.params);
        res = await this.fetch(url, headers, timeoutMs);
      }
    }
    return res;
  }

  private async fetch(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    try {
      const res = await fetch(url, { headers: h, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
      this.deadline = Infinity;
      return res;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = (e as Error).name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : cause?.code ?? cause?.message ?? (e as Error).message;
      throw new RemoteError(`cannot reach registry ${new URL(url).host} (${why}); is there network access?`, true);
    }
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    const url = new URL(params.realm!);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new RemoteError(`bad token realm ${params.realm}`);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${this.path}:pull`);
    const res = await this.fetch(url.toString(), {}, Math.max(1, Math.min(RemoteLimits.MANIFEST_TIMEOUT_MS, this.deadline - Date.now())));
    if (res.status !== 200) throw new RemoteError(`token service ${url.host} answered HTTP ${res.status}`);
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const t = body.token ?? body.access_token;
    if (!t) throw new RemoteError(`token service ${url.host} gave no token`);
    return t;
  }
}
