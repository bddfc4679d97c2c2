/**
 * Methods with authorizationType AWS_IAM: the caller must sign the request with SigV4 (verified against the
 * credentials Skyport recognises when --enforce-sigv4 is on). Unsigned → 403 MISSING_AUTHENTICATION_TOKEN,
 * a bad signature → 403 INVALID_SIGNATURE, an unknown key → 403 UNAUTHORIZED-like "security token invalid",
 * as API Gateway's gateway responses name them ("Gateway response types for API Gateway"). IAM policies
 * themselves are evaluated once IAM exists (identity issue).
 */
import { authenticateSigV4 } from "../../../aws/authenticate.js";
import { ServiceError } from "../../../aws/errors.js";
import type { HttpRequest } from "../../../aws/protocol/types.js";
import type { ServiceHost } from "../../host.js";

export interface IamAuthFailure {
  responseType: "MISSING_AUTHENTICATION_TOKEN" | "INVALID_SIGNATURE" | "EXPIRED_TOKEN" | "UNAUTHORIZED";
  status: number;
  message: string;
  errorType: string;
}

/** Fills $context.identity from the signature, or says why the request is refused. */
export function authorizeIam(req: HttpRequest, services: ServiceHost, now: number, identity: Record<string, unknown>): IamAuthFailure | undefined {
  try {
    const a = authenticateSigV4(req, services.credentials, services.config.enforceSigV4, now);
    identity.accessKey = a.sig.accessKeyId;
    identity.accountId = a.accountId;
    identity.caller = a.key?.session ? a.key.session.arn.split("/").slice(1).join(":") : a.sig.accessKeyId;
    identity.userArn = a.key?.session?.arn ?? `arn:aws:iam::${a.accountId}:root`;
    identity.user = identity.caller;
    return undefined;
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
    if (e.code === "MissingAuthenticationTokenException") return { responseType: "MISSING_AUTHENTICATION_TOKEN", status: 403, message: "Missing Authentication Token", errorType: "MissingAuthenticationTokenException" };
    if (e.code === "UnrecognizedClientException") return { responseType: "UNAUTHORIZED", status: 403, message: "The security token included in the request is invalid.", errorType: "UnrecognizedClientException" };
    if (/expired/i.test(e.message)) return { responseType: "EXPIRED_TOKEN", status: 403, message: e.message, errorType: "InvalidSignatureException" };
    return { responseType: "INVALID_SIGNATURE", status: 403, message: e.message, errorType: "InvalidSignatureException" };
  }
}
