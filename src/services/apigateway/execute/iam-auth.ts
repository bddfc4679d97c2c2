/**
 * Methods with authorizationType AWS_IAM: the caller must sign the request with SigV4 (verified against the
 * credentials Skyport recognises when --enforce-sigv4 is on). Answers as API Gateway gives them
 * ("Gateway response types"; the 403 troubleshooting page):
 * - unsigned: 403 MISSING_AUTHENTICATION_TOKEN {"message":"Missing Authentication Token"};
 * - a wrong signature: 403 INVALID_SIGNATURE "The request signature we calculated does not match …";
 * - a signature older or newer than 5 minutes (execute-api's window, where AWS's APIs allow 15):
 *   403 INVALID_SIGNATURE "Signature expired: … is now earlier than … (… - 5 min.)" /
 *   "Signature not yet current: … is still later than … (… + 5 min.)";
 * - an unknown key: 403 UNAUTHORIZED-family "The security token included in the request is invalid."
 * The caller fills $context.identity (accessKey, accountId, caller, user, userArn). IAM policies are
 * evaluated with the resource policy in authorize.ts.
 */
import { authenticateSigV4 } from "../../../aws/authenticate.js";
import { ServiceError } from "../../../aws/errors.js";
import type { HttpRequest } from "../../../aws/protocol/types.js";
import { parseSigV4 } from "../../../aws/sigv4.js";
import type { ServiceHost } from "../../host.js";

export interface IamAuthFailure {
  responseType: "MISSING_AUTHENTICATION_TOKEN" | "INVALID_SIGNATURE" | "EXPIRED_TOKEN" | "UNAUTHORIZED";
  status: number;
  message: string;
  errorType: string;
}

/** execute-api's clock-skew window for signed requests. */
const EXECUTE_API_SKEW_MS = 5 * 60 * 1000;

const amz = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

function parseAmz(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

/** The 5-minute window of execute-api (header-signed requests; presigned URLs carry their own expiry). */
function skewProblem(req: HttpRequest, now: number): string | undefined {
  const sig = parseSigV4(req.headers, req.query);
  if (!sig || sig.presigned) return undefined;
  const at = parseAmz(sig.amzDate);
  if (at === undefined) return undefined;
  if (now - at > EXECUTE_API_SKEW_MS) return `Signature expired: ${sig.amzDate} is now earlier than ${amz(now - EXECUTE_API_SKEW_MS)} (${amz(now)} - 5 min.)`;
  if (at - now > EXECUTE_API_SKEW_MS) return `Signature not yet current: ${sig.amzDate} is still later than ${amz(now + EXECUTE_API_SKEW_MS)} (${amz(now)} + 5 min.)`;
  return undefined;
}

/** Fills $context.identity from the signature, or says why the request is refused. */
export function authorizeIam(req: HttpRequest, services: ServiceHost, now: number, identity: Record<string, unknown>): IamAuthFailure | undefined {
  try {
    const enforce = services.config.enforceSigV4;
    const a = authenticateSigV4(req, services.credentials, enforce, now);
    const skew = enforce ? skewProblem(req, now) : undefined;
    if (skew) return { responseType: "INVALID_SIGNATURE", status: 403, message: skew, errorType: "InvalidSignatureException" };
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
    if (/^Signature expired/.test(e.message)) {
      const skew = skewProblem(req, now);
      return { responseType: "INVALID_SIGNATURE", status: 403, message: skew ?? e.message, errorType: "InvalidSignatureException" };
    }
    if (/token.*expired/i.test(e.message)) return { responseType: "EXPIRED_TOKEN", status: 403, message: e.message, errorType: "ExpiredTokenException" };
    return { responseType: "INVALID_SIGNATURE", status: 403, message: e.message, errorType: "InvalidSignatureException" };
  }
}
