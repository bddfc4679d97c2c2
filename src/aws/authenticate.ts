/**
 * Authentication for the data planes that AWS protects with IAM (function URLs with AuthType AWS_IAM, REST
 * methods with authorizationType AWS_IAM): the request must carry SigV4 credentials; with --enforce-sigv4 the
 * signature is verified against the credentials Skyport recognises (long-term or issued temporary ones).
 */
import type { CredentialRegistry, KeyInfo } from "./credentials.js";
import type { HttpRequest } from "./protocol/types.js";
import { missingSignature, parseSigV4, verifySigV4, type SigV4Info } from "./sigv4.js";

export interface Authenticated {
  sig: SigV4Info;
  accountId: string;
  /** Set when the signature was verified. */
  key?: KeyInfo;
}

/** Throws the ServiceError of a missing, unknown or wrong signature (json-protocol codes). */
export function authenticateSigV4(req: HttpRequest, credentials: CredentialRegistry, enforce: boolean, nowMs: number): Authenticated {
  const sig = parseSigV4(req.headers, req.query);
  if (!enforce) {
    // Without enforcement the signature is not checked, but a request that carries none is still anonymous.
    if (!sig) throw missingSignature("json");
    return { sig, accountId: credentials.accountFor(sig.accessKeyId) };
  }
  const key = verifySigV4({ method: req.method, rawPath: req.path, rawQuery: req.rawQuery, headers: req.headers, body: req.body }, sig, "json", (id) => credentials.lookup(id), nowMs);
  return { sig: sig!, accountId: credentials.accountFor(sig!.accessKeyId), key };
}

