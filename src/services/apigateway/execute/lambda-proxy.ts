/**
 * The Lambda proxy integration's contract, payload format 1.0 ("Set up Lambda proxy integrations in API
 * Gateway": input format and output format of a Lambda function for proxy integration).
 * In: header names in the client's casing, repeated headers as separate multiValueHeaders entries, the
 * X-Forwarded-For/-Proto/-Port headers API Gateway adds, identity.sourceIp from the peer.
 * Out: statusCode/headers/multiValueHeaders/body/isBase64Encoded, headers merged case-insensitively
 * (multiValueHeaders win for a name given in both, as AWS documents); anything else is malformed (502).
 */
import type { HttpRequest } from "../../../aws/protocol/types.js";

/** What the edge knows about the client beyond the parsed request (absent for TestInvokeMethod). */
export interface ClientInfo {
  rawHeaders?: string[];
  remoteAddress?: string;
  localPort?: number;
}

/** The request's headers in the client's casing and order, repeated names kept as separate values. */
export function clientHeaders(req: HttpRequest & ClientInfo): Array<[string, string[]]> {
  const byLower = new Map<string, [string, string[]]>();
  if (req.rawHeaders) {
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      const entry = byLower.get(name.toLowerCase());
      if (entry) entry[1].push(req.rawHeaders[i + 1]!);
      else byLower.set(name.toLowerCase(), [name, [req.rawHeaders[i + 1]!]]);
    }
  } else {
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) byLower.set(k, [k, Array.isArray(v) ? v : [v]]);
  }
  return [...byLower.values()];
}

/** The peer's address as API Gateway reports it (IPv4-mapped IPv6 unwrapped). */
export function sourceIpOf(req: HttpRequest & ClientInfo): string {
  const a = req.remoteAddress ?? "127.0.0.1";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

/** Adds the X-Forwarded-* headers API Gateway adds in front of an integration. */
export function withForwardedHeaders(headers: Array<[string, string[]]>, req: HttpRequest & ClientInfo): Array<[string, string[]]> {
  const out = headers.filter(([k]) => !/^x-forwarded-(for|proto|port)$/i.test(k));
  const prior = headers.find(([k]) => k.toLowerCase() === "x-forwarded-for")?.[1].join(", ");
  const hostPort = /:(\d+)$/.exec(String(req.headers.host ?? ""))?.[1];
  out.push(["X-Forwarded-For", [prior ? `${prior}, ${sourceIpOf(req)}` : sourceIpOf(req)]]);
  out.push(["X-Forwarded-Port", [String(req.localPort ?? hostPort ?? 80)]]);
  out.push(["X-Forwarded-Proto", ["http"]]);
  return out;
}

/** `headers` (last value of each) and `multiValueHeaders` of the proxy event; null when there are none. */
export function eventHeaders(headers: Array<[string, string[]]>): { headers: Record<string, string> | null; multiValueHeaders: Record<string, string[]> | null } {
  if (!headers.length) return { headers: null, multiValueHeaders: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, values] of headers) {
    single[k] = values[values.length - 1]!;
    multi[k] = values;
  }
  return { headers: single, multiValueHeaders: multi };
}

/** Headers the server frames itself: a function must not set them twice or contradict the body. */
const FRAMING = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Parses a function's proxy answer; undefined when it breaks the contract (API Gateway answers 502). */
export function parseProxyAnswer(payload: Buffer): ProxyAnswer | undefined {
  let r: { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown };
  try {
    r = JSON.parse(payload.toString("utf8")) as typeof r;
  } catch {
    return undefined;
  }
  if (!r || typeof r !== "object" || Array.isArray(r)) return undefined;
  const status = Number(r.statusCode ?? 200);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (r.body !== undefined && r.body !== null && typeof r.body !== "string") return undefined;
  const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);
  if ((r.headers !== undefined && r.headers !== null && !isMap(r.headers)) || (r.multiValueHeaders !== undefined && r.multiValueHeaders !== null && !isMap(r.multiValueHeaders))) return undefined;
  // One entry per case-insensitive name; the first spelling seen is kept.
  const merged = new Map<string, [string, string[]]>();
  const put = (k: string, values: string[], replace: boolean) => {
    if (FRAMING.has(k.toLowerCase())) return;
    const e = merged.get(k.toLowerCase());
    if (!e) merged.set(k.toLowerCase(), [k, values]);
    else e[1] = replace ? values : [...e[1], ...values];
  };
  for (const [k, v] of Object.entries(isMap(r.headers) ? r.headers : {})) if (v !== null && v !== undefined) put(k, [String(v)], true);
  const fromMulti = new Set<string>();
  for (const [k, v] of Object.entries(isMap(r.multiValueHeaders) ? r.multiValueHeaders : {})) {
    if (!Array.isArray(v)) continue;
    // multiValueHeaders win over headers for the same name; several multi entries differing only in case add up.
    put(k, v.map(String), !fromMulti.has(k.toLowerCase()));
    fromMulti.add(k.toLowerCase());
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, values] of merged.values()) headers[k] = values.length === 1 ? values[0]! : values;
  const body = typeof r.body === "string" ? (r.isBase64Encoded === true ? Buffer.from(r.body, "base64") : Buffer.from(r.body)) : Buffer.alloc(0);
  return { status, headers, body };
}
