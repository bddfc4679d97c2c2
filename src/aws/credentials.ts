/**
 * Which credentials Skyport recognises: the long-term keys of --credentials, and temporary session
 * credentials it issued itself (each function environment gets its own, tied to the function's account and
 * role, as Lambda hands a role session to the runtime). A session key is refused without its session token,
 * and after it expires or is revoked. The access key decides the account: a session key its issuer's account,
 * a 12-digit key id is the account id itself, anything else the default account. IAM users' access keys
 * (AKIA…) are long-term keys IAM registers here (`setUserKey`) with their user's account; an Inactive or
 * deleted key is not recognised.
 */
import { randomBytes } from "node:crypto";

export const DEFAULT_ACCOUNT = "000000000000";
const ACCOUNT_KEY = /^\d{12}$/;
const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Who a set of temporary credentials stands for. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  /** The assumed role's session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION). */
  arn: string;
  /** "function": handed to user code — refused by Skyport's admin routes. */
  kind: "function" | "session";
  /** Epoch ms. */
  expiresAt: number;
  /** The role behind an assumed-role session (arn:aws:iam::A:role/PATH/NAME); absent for other principals. */
  roleArn?: string;
  /** What issued it: AssumeRole* (assumed-role), GetFederationToken (federated-user), GetSessionToken (the caller itself). */
  principalKind?: "assumed-role" | "federated-user" | "user-session";
  /** For GetSessionToken/GetFederationToken: the long-term key whose identity the session carries. */
  parentAccessKeyId?: string;
  /** Session policies (JSON documents: the inline Policy and the PolicyArns' documents). */
  sessionPolicies?: string[];
  /** Session tags (aws:PrincipalTag), overriding the role's own. */
  tags?: Record<string, string>;
  /** aws:userid: AROA…:SESSION for an assumed role. */
  userId?: string;
}

/** An IAM user's access key, as IAM registers it. */
export interface UserKey {
  secret: string;
  accountId: string;
  userName: string;
  active: boolean;
}

/** What SigV4 verification needs about an access key. */
export interface KeyInfo {
  secret: string;
  /** Present for temporary credentials: the request must carry it as X-Amz-Security-Token. */
  sessionToken?: string;
  session?: SessionCredentials;
}

/** The account a long-term access key id stands for: a 12-digit key id is the account id itself. */
export function accountForKey(accessKeyId: string): string {
  return ACCOUNT_KEY.test(accessKeyId) ? accessKeyId : DEFAULT_ACCOUNT;
}

export class CredentialRegistry {
  private readonly sessions = new Map<string, SessionCredentials>();
  private readonly userKeys = new Map<string, UserKey>();
  private issued = 0;

  constructor(
    private readonly longTerm: ReadonlyMap<string, string>,
    private readonly now: () => number,
  ) {}

  /** The secret (and session token) of a key Skyport recognises now, or undefined. */
  lookup(accessKeyId: string): KeyInfo | undefined {
    const s = this.sessions.get(accessKeyId);
    if (s) {
      if (s.expiresAt <= this.now()) {
        this.sessions.delete(accessKeyId);
        return undefined;
      }
      return { secret: s.secretAccessKey, sessionToken: s.sessionToken, session: s };
    }
    const secret = this.longTerm.get(accessKeyId);
    if (secret !== undefined) return { secret };
    const user = this.userKeys.get(accessKeyId);
    return user?.active ? { secret: user.secret } : undefined;
  }

  /** The account an access key id stands for. */
  accountFor(accessKeyId: string): string {
    const s = this.sessions.get(accessKeyId);
    if (s) return s.accountId;
    const user = this.userKeys.get(accessKeyId);
    return user ? user.accountId : accountForKey(accessKeyId);
  }

  /** True for the keys of --credentials (all-powerful, like the account root). */
  isConfigured(accessKeyId: string): boolean {
    return this.longTerm.has(accessKeyId);
  }

  /** The IAM user behind a long-term AKIA key, when IAM registered one. */
  userKey(accessKeyId: string): UserKey | undefined {
    return this.userKeys.get(accessKeyId);
  }

  /** The temporary session of a key id, expired or not (for identity resolution after SigV4 checked it). */
  session(accessKeyId: string): SessionCredentials | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** IAM registers (or, with undefined, forgets) a user's access key. */
  setUserKey(accessKeyId: string, key: UserKey | undefined): void {
    if (key) this.userKeys.set(accessKeyId, key);
    else this.userKeys.delete(accessKeyId);
  }

  /** Forgets every IAM user key (IAM's state was reset). */
  clearUserKeys(): void {
    this.userKeys.clear();
  }

  /** Issues temporary credentials (ASIA… key id, random secret and token) valid for `ttlMs`. */
  issue(o: { accountId: string; arn: string; kind: SessionCredentials["kind"]; ttlMs: number } & Partial<Pick<SessionCredentials, "roleArn" | "principalKind" | "parentAccessKeyId" | "sessionPolicies" | "tags" | "userId">>): SessionCredentials {
    const { ttlMs, ...rest } = o;
    const creds: SessionCredentials = {
      ...rest,
      accessKeyId: `ASIA${keyChars(16)}`,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString("base64")}`,
      expiresAt: this.now() + ttlMs,
    };
    // Sessions nobody uses again are never looked up: sweep the expired ones now and then, so that a caller
    // assuming roles in a loop does not grow the map without bound.
    if (++this.issued % 1024 === 0) for (const [id, s] of this.sessions) if (s.expiresAt <= creds.expiresAt - ttlMs) this.sessions.delete(id);
    this.sessions.set(creds.accessKeyId, creds);
    return creds;
  }

  revoke(accessKeyId: string): void {
    this.sessions.delete(accessKeyId);
  }
}

/** n characters of the alphabet AWS key ids use (base32: A–Z, 2–7). */
export function keyChars(n: number): string {
  const bytes = randomBytes(n);
  let s = "";
  for (const b of bytes) s += KEY_ALPHABET[b & 31];
  return s;
}
