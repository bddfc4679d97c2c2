/**
 * Which credentials Skyport recognises: the long-term keys of --credentials, and temporary session
 * credentials it issued itself (each function environment gets its own, tied to the function's account and
 * role, as Lambda hands a role session to the runtime). A session key is refused without its session token,
 * and after it expires or is revoked. The access key decides the account: a session key its issuer's account,
 * a 12-digit key id is the account id itself, anything else the default account.
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
    return secret === undefined ? undefined : { secret };
  }

  /** The account an access key id stands for. */
  accountFor(accessKeyId: string): string {
    const s = this.sessions.get(accessKeyId);
    return s ? s.accountId : accountForKey(accessKeyId);
  }

  /** Issues temporary credentials (ASIA… key id, random secret and token) valid for `ttlMs`. */
  issue(o: { accountId: string; arn: string; kind: SessionCredentials["kind"]; ttlMs: number }): SessionCredentials {
    const creds: SessionCredentials = {
      accessKeyId: `ASIA${keyChars(16)}`,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString("base64")}`,
      accountId: o.accountId,
      arn: o.arn,
      kind: o.kind,
      expiresAt: this.now() + o.ttlMs,
    };
    this.sessions.set(creds.accessKeyId, creds);
    return creds;
  }

  revoke(accessKeyId: string): void {
    this.sessions.delete(accessKeyId);
  }
}

function keyChars(n: number): string {
  const bytes = randomBytes(n);
  let s = "";
  for (const b of bytes) s += KEY_ALPHABET[b & 31];
  return s;
}
