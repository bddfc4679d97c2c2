/**
 * The Lambda Runtime API (2018-06-01), served on Skyport's own port under
 * /_aws/lambda-runtime/<token>/ — each environment's AWS_LAMBDA_RUNTIME_API points there, so any
 * runtime interface client works. The token is a per-environment secret (not the id in the log stream name,
 * never logged): only the environment can take its invocations or answer them; anything else gets 403: GET invocation/next (long poll), POST invocation/<id>/response|error,
 * POST init/error.
 *
 * Skyport's runtime clients add `Skyport-Cpu-Us` to an answer: the CPU time the invocation took (the scheduler tells
 * functions that compute from functions that wait by it). An answer with `Skyport-Next: 1` (Skyport's node bootstrap)
 * is also the next long poll: an accepted answer is answered with the next invocation (or 410) instead of 202, so an
 * invocation costs one exchange on the connection, not two. A rejected answer gets its 4xx, and the runtime polls.
 */
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { EnvironmentManager } from "./environments.js";

export const RUNTIME_API_PREFIX = "/_aws/lambda-runtime/";
const ROUTE = /^\/_aws\/lambda-runtime\/([0-9a-f]+)\/2018-06-01\/runtime\/(invocation\/next|invocation\/([^/]+)\/(response|error)|init\/error)$/;

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

/**
 * A Runtime API request whose body was over the limit (a function's response far over 6 MB): the invocation
 * ends at once with Function.ResponseSizeTooLarge instead of waiting for its timeout; the runtime gets 413.
 */
export function handleOversizeRuntimeApi(path: string, method: string, envs: EnvironmentManager, limitBytes: number): HttpResponse {
  const m = ROUTE.exec(path);
  if (m && method === "POST" && m[4] && envs.knows(m[1]!)) {
    envs.responseTooLarge(m[1]!, decodeURIComponent(m[3]!), limitBytes);
  }
  return json(413, { errorMessage: "Payload Too Large", errorType: "RequestEntityTooLarge" });
}

/** Skyport's own addition, for its bootstraps only: a spare environment learns which function it becomes. */
const ASSIGNMENT = /^\/_aws\/lambda-runtime\/([0-9a-f]+)\/skyport\/assignment$/;

export async function handleRuntimeApi(req: HttpRequest, envs: EnvironmentManager): Promise<HttpResponse> {
  const a = ASSIGNMENT.exec(req.path);
  if (a && req.method === "GET") {
    if (!envs.knows(a[1]!)) return json(403, { errorMessage: "Unknown or expired Runtime API address", errorType: "AccessDenied" });
    const vars = await envs.assignment(a[1]!);
    return vars ? json(200, vars) : json(410, { errorMessage: "Environment is gone", errorType: "EnvironmentGone" });
  }
  const m = ROUTE.exec(req.path);
  if (!m) return json(404, { errorMessage: "Unknown Runtime API route", errorType: "InvalidRequest" });
  const [, envId, what, requestId, kind] = m;
  if (!envs.knows(envId!)) return json(403, { errorMessage: "Unknown or expired Runtime API address", errorType: "AccessDenied" });
  if (what === "invocation/next" && req.method === "GET") return nextInvocation(envId!, envs);
  if (req.method !== "POST") return json(405, { errorMessage: "Method not allowed", errorType: "InvalidRequest" });
  if (what === "init/error") {
    envs.initError(envId!, req.body);
    return json(202, { status: "OK" });
  }
  const id = decodeURIComponent(requestId!);
  const cpuUs = Number(req.headers["skyport-cpu-us"]);
  const finished = envs.complete(envId!, id, req.body, kind === "error", Number.isFinite(cpuUs) && cpuUs >= 0 ? cpuUs / 1000 : undefined);
  if (!finished) return json(400, { errorMessage: `Invalid request ID: ${requestId}`, errorType: "InvalidRequestID" });
  if (req.headers["skyport-next"] !== "1") return json(202, { status: "OK" });
  await finished;
  return nextInvocation(envId!, envs);
}

/** The long poll: the environment's next invocation, or 410 once the environment is gone. */
async function nextInvocation(envId: string, envs: EnvironmentManager): Promise<HttpResponse> {
  const p = await envs.next(envId);
  if (!p) return json(410, { errorMessage: "Environment is gone", errorType: "EnvironmentGone" });
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "Lambda-Runtime-Aws-Request-Id": p.req.requestId,
    "Lambda-Runtime-Deadline-Ms": String(p.deadline),
    "Lambda-Runtime-Invoked-Function-Arn": p.req.invokedArn,
    "Lambda-Runtime-Trace-Id": `Root=1-${Math.floor(p.deadline / 1000).toString(16)}-${p.req.requestId.replace(/-/g, "").slice(0, 24)};Sampled=0`,
  };
  if (p.req.clientContext) headers["Lambda-Runtime-Client-Context"] = Buffer.from(p.req.clientContext, "base64").toString("utf8");
  return { status: 200, headers, body: p.req.payload };
}
