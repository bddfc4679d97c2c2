/**
 * Image references, as Docker's reference grammar (distribution/reference) writes them:
 * `[domain[:port]/]path[:tag][@sha256:hex]`, where the first component is a domain only when it has a
 * "." or ":" or is "localhost"; no domain means Docker Hub (docker.io, `library/` for one component);
 * no tag and no digest means `latest`. Plus the transports `oci-archive:PATH[:REF]` and `docker-archive:PATH[:REF]`.
 * ECR hosts (`{acct}.dkr.ecr.{region}.amazonaws.com` or `.localhost[:port]`) are recognised for Skyport's own store.
 */
export type ImageRef =
  | { kind: "registry"; domain: string; path: string; tag?: string; digest?: string; ecr?: { account: string; region: string }; explicitDomain: boolean }
  | { kind: "oci-archive" | "docker-archive"; file: string; ref?: string };

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::\d+)?$|^\[[0-9a-fA-F:.]+\](?::\d+)?$/;
export const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|localhost)(?::\d+)?$/i;
const MAX_REF = 1024;

export class ReferenceError extends Error {}

export function parseReference(input: string): ImageRef {
  const s = input.trim();
  if (!s || s.length > MAX_REF) throw new ReferenceError(`invalid image reference "${s.slice(0, 80)}"`);
  for (const kind of ["oci-archive", "docker-archive"] as const) {
    if (s.startsWith(kind + ":")) {
      const rest = s.slice(kind.length + 1);
      // As containers/image (skopeo) splits it: the path ends at the first ":" (paths with colons are not supported).
      const i = rest.indexOf(":");
      if (i > 0) return { kind, file: rest.slice(0, i), ref: rest.slice(i + 1) || undefined };
      if (!rest) throw new ReferenceError(`${kind}: needs a file path`);
      return { kind, file: rest };
    }
  }
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new ReferenceError(`invalid digest "${digest}" in image reference "${s}" (only sha256)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`invalid tag "${tag}" in image reference "${s}"`);
  }
  let domain = "docker.io";
  let explicitDomain = false;
  const first = rest.indexOf("/");
  if (first > 0) {
    const head = rest.slice(0, first);
    if (head.includes(".") || head.includes(":") || head === "localhost" || head.startsWith("[")) {
      if (!DOMAIN.test(head)) throw new ReferenceError(`invalid registry host "${head}" in image reference "${s}"`);
      domain = head;
      explicitDomain = true;
      rest = rest.slice(first + 1);
    }
  }
  if (!rest) throw new ReferenceError(`invalid image reference "${s}": no repository name`);
  // Repository names are lower case with separators; ECR also allows them (same grammar).
  for (const c of rest.split("/")) if (!PATH_COMPONENT.test(c)) throw new ReferenceError(`invalid repository name "${rest}" in image reference "${s}"`);
  if (domain === "index.docker.io") domain = "docker.io";
  const path = domain === "docker.io" && !rest.includes("/") ? `library/${rest}` : rest;
  const m = ECR_HOST.exec(domain);
  const ref: ImageRef = { kind: "registry", domain, path, tag, digest, explicitDomain };
  if (m) ref.ecr = { account: m[1]!, region: m[2]!.toLowerCase() };
  if (!ref.tag && !ref.digest) ref.tag = "latest";
  return ref;
}

/** The name a repository has without the domain (for bare references: what was written, without `library/`). */
export function bareName(ref: Extract<ImageRef, { kind: "registry" }>): string {
  return !ref.explicitDomain && ref.path.startsWith("library/") ? ref.path.slice(8) : ref.path;
}

/** Canonical text of a reference (the key under which remote and archive resolutions are remembered). */
export function formatReference(ref: ImageRef): string {
  if (ref.kind !== "registry") return `${ref.kind}:${ref.file}${ref.ref ? ":" + ref.ref : ""}`;
  return `${ref.domain}/${ref.path}${ref.tag ? ":" + ref.tag : ""}${ref.digest ? "@" + ref.digest : ""}`;
}

/** The API host a registry domain is served from (Docker Hub's registry is registry-1.docker.io). */
export function registryHost(domain: string): string {
  return domain === "docker.io" ? "registry-1.docker.io" : domain;
}

/**
 * Parses a `WWW-Authenticate` challenge (RFC 7235): scheme and its auth-params, quoted strings unescaped.
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/x:pull"`.
 */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header.slice(0, 4096));
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*,?/gy;
  const body = m[2]!;
  let p: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < body.length && (p = re.exec(body))) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3]!;
  return { scheme: m[1]!.toLowerCase(), params };
}
