/**
 * The Lambda proxy event of WebSocket APIs, as AWS sends it ("Set up WebSocket API integrations": the
 * input format of a Lambda proxy integration for WebSocket APIs): requestContext with routeKey, eventType,
 * messageId (messages only), extendedRequestId, requestTime, messageDirection, stage, connectedAt,
 * requestTimeEpoch, identity, requestId, domainName, connectionId, apiId (and authorizer after an
 * authorized $connect); headers and query strings on CONNECT; body and isBase64Encoded.
 */
import { randomText } from "../../../core/ids.js";
import type { Connection, DisconnectInfo } from "./connections.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** "09/Feb/2024:16:18:49 +0000", API Gateway's requestTime. */
export function requestTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** Short base64 ids as AWS's extendedRequestId and messageId look ("RIrzDFKQoAMFbwg="). */
export function shortId(): string {
  return randomText(10, "base64");
}

export type EventType = "CONNECT" | "MESSAGE" | "DISCONNECT";

export interface EventParts {
  routeKey: string;
  eventType: EventType;
  /** The short base64 id AWS uses as requestId and extendedRequestId of WebSocket events (shortId()). */
  requestId: string;
  now: number;
  body?: string;
  isBase64Encoded?: boolean;
  /** CONNECT: the upgrade request's headers and query string. */
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  query?: URLSearchParams;
  disconnect?: DisconnectInfo;
}

export function requestContextOf(c: Connection, p: EventParts): Record<string, unknown> {
  // Key order and nulls as AWS sends them (a $connect event observed on AWS: disconnectStatusCode, messageId
  // and disconnectReason are null unless the event is about them; requestId is the short extended id).
  const rc: Record<string, unknown> = {
    routeKey: p.routeKey,
    disconnectStatusCode: p.disconnect ? p.disconnect.statusCode : null,
    messageId: p.eventType === "MESSAGE" ? shortId() : null,
    eventType: p.eventType,
    extendedRequestId: p.requestId,
    requestTime: requestTime(p.now),
    messageDirection: "IN",
    disconnectReason: p.disconnect ? p.disconnect.reason : null,
    stage: c.stage,
    connectedAt: c.connectedAt,
    requestTimeEpoch: p.now,
    identity: {
      cognitoIdentityPoolId: null, cognitoIdentityId: null, principalOrgId: null, cognitoAuthenticationType: null, userArn: null,
      userAgent: c.userAgent || null, accountId: null, caller: null, sourceIp: c.sourceIp, accessKey: null, cognitoAuthenticationProvider: null, user: null,
    },
    requestId: p.requestId,
    domainName: c.domainName,
    connectionId: c.connectionId,
    apiId: c.apiId,
  };
  if (c.authorizer) rc.authorizer = c.authorizer;
  return rc;
}

/** The event a Lambda proxy integration receives. */
export function lambdaEvent(c: Connection, p: EventParts): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  if (p.headers) {
    event.headers = p.headers;
    event.multiValueHeaders = p.multiValueHeaders;
  }
  if (p.query && [...p.query.keys()].length) {
    const single: Record<string, string> = {};
    const multi: Record<string, string[]> = {};
    for (const [k, v] of p.query) {
      single[k] = v;
      (multi[k] ??= []).push(v);
    }
    event.queryStringParameters = single;
    event.multiValueQueryStringParameters = multi;
  }
  event.requestContext = requestContextOf(c, p);
  if (p.body !== undefined) event.body = p.body;
  event.isBase64Encoded = p.isBase64Encoded ?? false;
  return event;
}

/** Headers of the upgrade request in the event's two shapes (original casing, as AWS passes them). */
export function eventHeadersOf(rawHeaders: string[]): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const k = rawHeaders[i]!;
    const v = rawHeaders[i + 1]!;
    headers[k] = v;
    (multiValueHeaders[k] ??= []).push(v);
  }
  return { headers, multiValueHeaders };
}
