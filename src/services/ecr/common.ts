/** What every ECR operation needs: the image store, the caller's registry, repository lookup and AWS's errors. */
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ImageStore } from "../../images/image-store.js";
import type { RepoRow } from "../../images/registry-db.js";

export const invalidParameter = (m: string) => new ServiceError("InvalidParameterException", m, 400);
export const REPO_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export interface Scope {
  images: ImageStore;
  account: string;
  region: string;
  now: number;
}

/** The registry an operation acts on: registryId when given (must be 12 digits), else the caller's account. */
export function scopeOf(images: ImageStore, ctx: RequestContext, registryId?: string): Scope {
  if (registryId !== undefined && !/^[0-9]{12}$/.test(registryId)) throw invalidParameter(`Invalid parameter at 'registryId' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''`);
  return { images, account: registryId ?? ctx.accountId, region: ctx.region, now: ctx.clock.now() };
}

export function checkRepoName(name: string | undefined): string {
  if (!name || name.length < 2 || name.length > 256 || !REPO_NAME.test(name)) {
    throw invalidParameter(`Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`);
  }
  return name;
}

export const repoNotFound = (name: string, account: string) =>
  new ServiceError("RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${account}'`, 400);

export function requireRepo(s: Scope, name: string | undefined): RepoRow {
  const repo = s.images.db.repo(s.account, s.region, checkRepoName(name));
  if (!repo) throw repoNotFound(name!, s.account);
  return repo;
}

export const repoArn = (r: { account: string; region: string; name: string }) => `arn:aws:ecr:${r.region}:${r.account}:repository/${r.name}`;

/** The registry host clients push to: {acct}.dkr.ecr.{region}.localhost:PORT (the port the caller reached). */
export function registryHost(ctx: RequestContext, account: string, region: string): string {
  let port = "";
  try {
    port = new URL(ctx.endpoint).port;
  } catch {
    /* no port */
  }
  return `${account}.dkr.ecr.${region}.localhost${port ? ":" + port : ""}`;
}

/** Opaque pagination tokens: the position to resume after. */
export function encodeToken(position: string): string {
  return Buffer.from(JSON.stringify({ p: position })).toString("base64url");
}

export function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const p = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { p?: unknown }).p;
    if (typeof p === "string") return p;
  } catch {
    /* fall through */
  }
  throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
}

export function checkMaxResults(n: number | undefined, fallback: number): number {
  if (n === undefined) return fallback;
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalidParameter(`Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'`);
  return n;
}
