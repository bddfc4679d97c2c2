/**
 * Policy documents: parse, validate as IAM does (MalformedPolicyDocument with IAM's messages) and normalise
 * (Statement always an array; Action/NotAction/Resource/NotResource and principal values always arrays;
 * condition values always string arrays). The messages are IAM's observed answers (the same ones moto
 * reproduces in moto/iam/policy_validation.py); trust-policy messages ("Has prohibited field Resource",
 * "Missing required field Principal") come from IAM's CreateRole/UpdateAssumeRolePolicy answers.
 *
 * Deliberate gaps: IAM also checks that principal ARNs exist ("Invalid principal in policy") — that needs
 * the IAM store, so the IAM service does it; per-service resource ARN grammar (beyond iam/s3 region rules)
 * is not checked.
 */
import { ServiceError } from "../errors.js";

export type PolicyKind = "identity" | "resource" | "trust";
export type Effect = "Allow" | "Deny";
/** "*" or a map like { AWS: [...], Service: [...], Federated: [...], CanonicalUser: [...] }. */
export type PrincipalValue = "*" | Record<string, string[]>;
/** operator (as written, e.g. "ForAnyValue:StringLikeIfExists") → condition key (as written) → values. */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: Effect;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: PrincipalValue;
  NotPrincipal?: PrincipalValue;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

export const PolicyLimits = {
  /** Bound on the raw text before JSON.parse: far above every IAM quota (role inline policies: 10,240). */
  MAX_DOCUMENT_CHARS: 131_072,
  MANAGED_POLICY_CHARS: 6_144,
  USER_INLINE_CHARS: 2_048,
  GROUP_INLINE_CHARS: 5_120,
  ROLE_INLINE_CHARS: 10_240,
  TRUST_POLICY_CHARS: 2_048,
} as const;

export const VALID_VERSIONS = ["2008-10-17", "2012-10-17"] as const;

const CONDITION_OPERATORS = new Set([
  "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
  "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
  "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
  "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
]);

const STATEMENT_FIELDS = new Set(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"]);
const TOP_FIELDS = new Set(["Version", "Id", "Statement"]);
const PRINCIPAL_TYPES = new Set(["AWS", "Service", "Federated", "CanonicalUser"]);

const malformed = (message: string) => new ServiceError("MalformedPolicyDocument", message, 400);
const SYNTAX = "Syntax errors in policy.";

/**
 * Size as IAM counts it for its quotas: characters excluding whitespace. IAM's quota errors name the entity
 * (e.g. "Cannot exceed quota for PolicySize: 6144"), so callers compare this with PolicyLimits themselves.
 */
export function policySize(json: string): number {
  let n = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) n++;
  }
  return n;
}

export type PolicyQuota = "managed" | "trust" | "user" | "group" | "role";

/**
 * IAM's size quotas, with IAM's LimitExceeded answers (status 409): managed policies "Cannot exceed quota
 * for PolicySize: 6144", trust policies "Cannot exceed quota for ACLSizePerRole: 2048", inline policies
 * "Maximum policy size of 2048 bytes exceeded for user NAME" (5120 for a group, 10240 for a role).
 */
export function checkPolicySize(json: string, quota: PolicyQuota, entityName = ""): void {
  const size = policySize(json);
  const limit = {
    managed: PolicyLimits.MANAGED_POLICY_CHARS,
    trust: PolicyLimits.TRUST_POLICY_CHARS,
    user: PolicyLimits.USER_INLINE_CHARS,
    group: PolicyLimits.GROUP_INLINE_CHARS,
    role: PolicyLimits.ROLE_INLINE_CHARS,
  }[quota];
  if (size <= limit) return;
  const message =
    quota === "managed" ? `Cannot exceed quota for PolicySize: ${limit}`
    : quota === "trust" ? `Cannot exceed quota for ACLSizePerRole: ${limit}`
    : `Maximum policy size of ${limit} bytes exceeded for ${quota} ${entityName}`;
  throw new ServiceError("LimitExceeded", message, 409);
}

/** Parses and validates a policy document as IAM does; throws ServiceError("MalformedPolicyDocument", …). */
export function parsePolicyDocument(json: string, kind: PolicyKind): PolicyDocument {
  if (typeof json !== "string" || json.length > PolicyLimits.MAX_DOCUMENT_CHARS) throw malformed(SYNTAX);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw malformed(SYNTAX);
  }
  if (!isObject(raw)) throw malformed(SYNTAX);
  for (const k of Object.keys(raw)) if (!TOP_FIELDS.has(k)) throw malformed(kind === "identity" ? SYNTAX : `Unknown field ${k}`);
  if ("Version" in raw && !(VALID_VERSIONS as readonly unknown[]).includes(raw.Version)) {
    throw malformed(kind === "identity" ? SYNTAX : "The policy must contain a valid version string");
  }
  if ("Id" in raw && typeof raw.Id !== "string") throw malformed(SYNTAX);
  const rawStatements = raw.Statement;
  if (!Array.isArray(rawStatements) && !isObject(rawStatements)) throw malformed(SYNTAX);
  const list: unknown[] = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (!list.length) throw malformed(SYNTAX);
  const statements = list.map((s) => checkStatementSyntax(s, kind));
  // IAM requires the current version for identity policies (resource and trust policies still accept 2008-10-17).
  if (kind === "identity" && raw.Version !== "2012-10-17") throw malformed("Policy document must be version 2012-10-17 or greater.");
  const sids = new Set<string>();
  for (const s of statements) {
    if (s.Sid) {
      if (sids.has(s.Sid)) throw malformed("Statement IDs (SID) in a single policy must be unique.");
      sids.add(s.Sid);
    }
  }
  for (const s of statements) {
    if (!s.Action?.length && !s.NotAction?.length) throw malformed("Policy statement must contain actions.");
  }
  for (const s of statements) {
    if (kind === "trust") {
      if (s.Resource || s.NotResource) throw malformed(`Has prohibited field ${s.Resource ? "Resource" : "NotResource"}`);
    } else if (!s.Resource?.length && !s.NotResource?.length) {
      throw malformed("Policy statement must contain resources.");
    }
    for (const r of [...(s.Resource ?? []), ...(s.NotResource ?? [])]) checkResource(r);
  }
  for (const s of statements) {
    for (const a of [...(s.Action ?? []), ...(s.NotAction ?? [])]) checkAction(a);
    for (const keys of Object.values(s.Condition ?? {})) for (const key of Object.keys(keys)) checkConditionKey(key);
  }
  const doc: PolicyDocument = { Statement: statements };
  if (typeof raw.Version === "string") doc.Version = raw.Version;
  if (typeof raw.Id === "string") doc.Id = raw.Id;
  return doc;
}

/**
 * Normalises an already-stored document without IAM's validation (evaluation must not fail on a policy that
 * another service accepted, e.g. a Lambda function policy): unusable statements are dropped. Returns
 * undefined when the text is not a JSON policy at all.
 */
export function normalizePolicy(json: string): PolicyDocument | undefined {
  if (json.length > PolicyLimits.MAX_DOCUMENT_CHARS) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isObject(raw)) return undefined;
  const list: unknown[] = Array.isArray(raw.Statement) ? raw.Statement : isObject(raw.Statement) ? [raw.Statement] : [];
  const statements: PolicyStatement[] = [];
  for (const s of list) {
    try {
      statements.push(checkStatementSyntax(s, "resource", true));
    } catch {
      // dropped: a statement evaluation cannot read grants nothing and denies nothing
    }
  }
  const doc: PolicyDocument = { Statement: statements };
  if (typeof raw.Version === "string") doc.Version = raw.Version;
  return doc;
}

function checkStatementSyntax(s: unknown, kind: PolicyKind, lenient = false): PolicyStatement {
  if (!isObject(s)) throw malformed(SYNTAX);
  for (const k of Object.keys(s)) {
    if (STATEMENT_FIELDS.has(k)) continue;
    if (lenient) continue;
    throw malformed(kind === "identity" ? SYNTAX : `Unknown field ${k}`);
  }
  if (s.Effect !== "Allow" && s.Effect !== "Deny") throw malformed(SYNTAX);
  if ("Action" in s && "NotAction" in s) throw malformed(SYNTAX);
  if ("Resource" in s && "NotResource" in s) throw malformed(SYNTAX);
  if ("Principal" in s && "NotPrincipal" in s) throw malformed(SYNTAX);
  if ("Sid" in s && typeof s.Sid !== "string") throw malformed(SYNTAX);
  const out: PolicyStatement = { Effect: s.Effect };
  if (typeof s.Sid === "string") out.Sid = s.Sid;
  for (const field of ["Action", "NotAction", "Resource", "NotResource"] as const) {
    if (field in s) out[field] = stringList(s[field]);
  }
  if (!lenient) {
    if (kind === "identity" && ("Principal" in s || "NotPrincipal" in s)) throw malformed("Policy document should not specify a principal.");
    if (kind !== "identity" && !("Principal" in s) && !("NotPrincipal" in s)) throw malformed("Missing required field Principal");
  }
  if ("Principal" in s) out.Principal = principal(s.Principal, !lenient);
  if ("NotPrincipal" in s) out.NotPrincipal = principal(s.NotPrincipal, !lenient);
  if ("Condition" in s) out.Condition = condition(s.Condition);
  return out;
}

function stringList(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  throw malformed(SYNTAX);
}

/**
 * An AWS principal IAM accepts: "*", an account id, an IAM/STS ARN of an account without wildcards (or a
 * CloudFront origin access identity, `arn:aws:iam::cloudfront:user/…`, in bucket policies), or the unique id
 * IAM shows in place of a deleted user or role. (Whether the named entity exists is IAM's check.)
 */
const AWS_PRINCIPAL = /^(\*|\d{12}|arn:aws[a-z-]*:(iam|sts)::(\d{12}|cloudfront):[^*?]+|A(ROA|IDA)[A-Z0-9]+)$/;

function principal(v: unknown, strict: boolean): PrincipalValue {
  if (v === "*") return "*";
  if (!isObject(v)) throw malformed(SYNTAX);
  const out: Record<string, string[]> = {};
  for (const [type, value] of Object.entries(v)) {
    if (!PRINCIPAL_TYPES.has(type)) throw malformed(`Invalid principal in policy: "${type}":${JSON.stringify(value)}`);
    out[type] = stringList(value);
    if (strict && type === "AWS") {
      for (const p of out[type]) if (!AWS_PRINCIPAL.test(p)) throw malformed(`Invalid principal in policy: "AWS":"${p}"`);
    }
  }
  return out;
}

function condition(v: unknown): ConditionBlock {
  if (!isObject(v)) throw malformed(SYNTAX);
  const out: ConditionBlock = {};
  for (const [op, keys] of Object.entries(v)) {
    if (!isObject(keys)) throw malformed(SYNTAX);
    const base = op.replace(/^(ForAnyValue:|ForAllValues:)/, "").replace(/IfExists$/, "");
    if (!CONDITION_OPERATORS.has(base) && Object.keys(keys).length) throw malformed(SYNTAX);
    const entry: Record<string, string[]> = {};
    for (const [key, values] of Object.entries(keys)) {
      const list = Array.isArray(values) ? values : [values];
      entry[key] = list.map((x) => {
        if (typeof x === "string") return x;
        if (typeof x === "number" || typeof x === "boolean") return String(x);
        throw malformed(SYNTAX);
      });
    }
    out[op] = entry;
  }
  return out;
}

function checkAction(action: string): void {
  if (action === "*") return;
  const parts = action.split(":");
  if (parts.length === 1) throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  if (parts.length > 2) throw malformed("Actions/Condition can contain only one colon.");
  const vendor = parts[0]!;
  if (vendor !== "*" && !/^[a-zA-Z0-9.-]+$/.test(vendor)) throw malformed(`Vendor ${vendor} is not valid`);
}

function checkConditionKey(key: string): void {
  if (!key.includes(":")) throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
}

function checkResource(resource: string): void {
  if (resource === "*") return;
  const parts = resource.split(":");
  if (parts[0] !== "arn" || parts.length < 6) throw malformed(`Resource ${resource} must be in ARN format or "*".`);
  const [, partition, service, region] = parts;
  if (partition !== "aws" && partition !== "*" && !/^aws(-[a-z]+)+$/.test(partition!)) {
    throw malformed(`Partition "${partition}" is not valid for resource "${resource}".`);
  }
  if (!service) throw malformed("Resource vendor must be fully qualified and cannot contain regexes.");
  if (region && service === "iam") throw malformed(`IAM resource ${resource} cannot contain region information.`);
  if (region && service === "s3") throw malformed(`Resource ${resource} can not contain region information.`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
