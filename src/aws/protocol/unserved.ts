/**
 * Requests for AWS services Skyport does not serve (SQS, SNS, ECR, Kinesis, ...): answered with a
 * not-implemented error in that service's own wire format, so its clients parse it, show the message and
 * stop (501 is not among the statuses the SDKs and the CLI retry). The signing name → protocols table is
 * generated from the AWS models by scripts/gen-models.mjs; the request itself tells which of a service's
 * protocols the client speaks (X-Amz-Target → json, Action → query, otherwise its rest protocol).
 */
import { readFileSync } from "node:fs";
import { escapeXml } from "./xml.js";
import type { HttpRequest, HttpResponse } from "./types.js";

interface Protocols {
  name: string;
  /** awsQuery (or ec2) xml namespace. */
  query?: string;
  ec2?: boolean;
  /** awsJson version ("1.0" / "1.1"). */
  json?: string;
  rest?: "rest-json" | "rest-xml";
}

let table: Record<string, Protocols> | undefined;
function protocolsOf(signingName: string): Protocols | undefined {
  table ??= JSON.parse(readFileSync(new URL("../models/data/signing-names.json", import.meta.url), "utf8")) as Record<string, Protocols>;
  return Object.hasOwn(table, signingName) ? table[signingName] : undefined;
}

/** The not-implemented answer for a request signed for `signingName`, or undefined when no AWS service has that name. */
export function unservedServiceAnswer(signingName: string, req: HttpRequest, requestId: string, served: string): HttpResponse | undefined {
  const p = protocolsOf(signingName);
  if (!p) return undefined;
  const message = `Skyport does not serve ${p.name} (requests signed for '${signingName}'). Skyport serves ${served}.`;
  const code = "NotImplementedException";
  // Action= is the query protocol even where the model no longer lists it (SQS moved to JSON; older clients still send query).
  const isQuery = req.query.has("Action") || /(^|&)Action=/.test(req.body.toString("latin1", 0, Math.min(req.body.length, 4096)));
  const isJson = p.json && req.headers["x-amz-target"] !== undefined;
  const protocol = isJson ? "json" : isQuery ? "query" : p.rest ?? (p.json ? "json" : "query");
  switch (protocol) {
    case "json":
      return {
        status: 501,
        headers: { "Content-Type": `application/x-amz-json-${p.json ?? "1.0"}`, "x-amzn-RequestId": requestId, "x-amzn-query-error": `${code};Sender` },
        body: JSON.stringify({ __type: code, message }),
      };
    case "rest-json":
      return { status: 501, headers: { "Content-Type": "application/json", "x-amzn-RequestId": requestId, "x-amzn-ErrorType": code }, body: JSON.stringify({ message }) };
    case "rest-xml":
      return {
        status: 501,
        headers: { "Content-Type": "application/xml", "x-amz-request-id": requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NotImplemented</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    default:
      return {
        status: 501,
        headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId },
        body: p.ec2
          ? `<Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
          : `<ErrorResponse xmlns="${escapeXml(p.query ?? `http://${signingName}.amazonaws.com/doc/`)}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
  }
}
