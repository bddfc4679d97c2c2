/**
 * What every group of IAM operations shares: the store, ids and ARNs, lookups that throw IAM's NoSuchEntity
 * messages, Marker/MaxItems pagination and the URL encoding IAM applies to policy documents in answers.
 * The operation groups (roles.ts, users.ts, …) extend this class in a chain; provider.ts is the last link.
 */
import type { CredentialRegistry } from "../../aws/credentials.js";
import { keyChars } from "../../aws/credentials.js";
import type { ServiceEnv } from "../host.js";
import { IdPrefix } from "./constants.js";
import { AWS_MANAGED } from "./managed-policies.js";
import type { GroupEntity, PolicyEntity, RoleEntity, UserEntity } from "./model.js";
import { IamStore } from "./store.js";
import { checkMaxItems, invalidInput, noSuchEntity } from "./validate.js";

export type PrincipalKind = "user" | "group" | "role";

/** A managed policy, AWS's or the account's, as attachment and evaluation need it. */
export interface ResolvedPolicy {
  arn: string;
  name: string;
  document: string;
  aws: boolean;
}

/** IAM answers carry policy documents URL-encoded (RFC 3986), as AWS does. */
export const encodeDoc = (doc: string) => encodeURIComponent(doc);

export class IamBase {
  protected readonly store: IamStore;
  protected readonly credentials: CredentialRegistry;

  constructor(protected readonly env: ServiceEnv) {
    this.store = new IamStore(env.store);
    this.credentials = env.services.credentials;
  }

  protected now(): number {
    return Math.floor(this.env.clock.now() / 1000) * 1000; // IAM answers whole seconds
  }

  protected newId(kind: keyof typeof IdPrefix): string {
    return IdPrefix[kind] + keyChars(17);
  }

  protected arn(account: string, type: string, path: string, name: string): string {
    return `arn:aws:iam::${account}:${type}${path}${name}`;
  }

  protected user(account: string, name: string): UserEntity {
    const u = this.store.get<UserEntity>(account, "user", name);
    if (!u) throw noSuchEntity(`The user with name ${name} cannot be found.`);
    return u;
  }

  protected group(account: string, name: string): GroupEntity {
    const g = this.store.get<GroupEntity>(account, "group", name);
    if (!g) throw noSuchEntity(`The group with name ${name} cannot be found.`);
    return g;
  }

  protected role(account: string, name: string): RoleEntity {
    const r = this.store.get<RoleEntity>(account, "role", name);
    if (!r) throw noSuchEntity(`The role with name ${name} cannot be found.`);
    return r;
  }

  protected principal(account: string, kind: PrincipalKind, name: string): UserEntity | GroupEntity | RoleEntity {
    return kind === "user" ? this.user(account, name) : kind === "group" ? this.group(account, name) : this.role(account, name);
  }

  /** A customer managed policy of this account by ARN, or undefined. */
  protected localPolicy(account: string, arn: string): PolicyEntity | undefined {
    const m = /^arn:aws:iam::(\d{12}):policy(\/(?:.*\/)?)([^/]+)$/.exec(arn);
    if (!m || m[1] !== account) return undefined;
    const p = this.store.get<PolicyEntity>(account, "policy", m[3]!);
    return p && p.arn === arn ? p : undefined;
  }

  /** A managed policy by ARN (AWS's catalogue or the account's own), or undefined. */
  protected resolvePolicy(account: string, arn: string): ResolvedPolicy | undefined {
    const aws = AWS_MANAGED.get(arn);
    if (aws) return { arn, name: aws.name, document: aws.document, aws: true };
    const p = this.localPolicy(account, arn);
    if (!p) return undefined;
    return { arn, name: p.name, document: p.versions.find((v) => v.id === p.defaultVersion)!.document, aws: false };
  }

  /** The attachable policy for Attach*Policy, or NoSuchEntity as IAM words it. */
  protected attachable(account: string, arn: string | undefined): ResolvedPolicy {
    if (!arn || !/^arn:aws[\w-]*:iam::(aws|\d{12}):policy\//.test(arn)) throw invalidInput(`ARN ${arn ?? ""} is not valid.`);
    const p = this.resolvePolicy(account, arn);
    if (!p) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    return p;
  }
}

/**
 * Marker/MaxItems pagination over a sorted list: the marker is the opaque position (base64 of the index of the
 * next item), as stable as the listing between pages.
 */
export function paginate<T>(items: T[], marker: string | undefined, maxItems: number | undefined): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const max = checkMaxItems(maxItems);
  let start = 0;
  if (marker !== undefined) {
    const n = Number(Buffer.from(marker, "base64").toString("utf8"));
    if (!Number.isInteger(n) || n < 0) throw invalidInput("Invalid Marker.");
    start = n;
  }
  const page = items.slice(start, start + max);
  const truncated = start + max < items.length;
  return truncated ? { page, IsTruncated: true, Marker: Buffer.from(String(start + max)).toString("base64") } : { page, IsTruncated: false };
}

/** PathPrefix filtering for list operations. */
export const underPath = (prefix: string | undefined) => (e: { path: string }) => !prefix || e.path.startsWith(prefix);
