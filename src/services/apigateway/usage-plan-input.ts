/** Inputs of the usage plan operations that need parsing: API key CSV files and per-method throttle patch paths. */
import type * as A from "../../aws/api/apigateway.js";
import { ServiceError } from "../../aws/errors.js";
import type { PatchOperation } from "./patch.js";
import { badRequest } from "./shared.js";

/**
 * UpdateUsagePlan's per-method throttles: `/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}[/rateLimit|/burstLimit]`
 * (the resource path with its slashes as ~1), stored under "/{resourcePath}/{METHOD}" as CreateUsagePlan takes them.
 */
export function patchMethodThrottle(plan: A.UsagePlan, op: PatchOperation, segments: string[]): true {
  const [apiId = "", stage = ""] = segments[1]!.split(":");
  const apiStage = plan.apiStages?.find((s) => s.apiId === apiId && s.stage === stage);
  if (!apiStage) throw new ServiceError("NotFoundException", `Invalid API stage ${segments[1]} specified`, 404);
  const last = segments[segments.length - 1]!;
  const field = last === "rateLimit" || last === "burstLimit" ? last : undefined;
  const method = segments.slice(3, field ? -1 : undefined);
  if (segments[2] !== "throttle" || method.length < 2) throw badRequest(`Invalid patch path ${op.path ?? ""}`);
  const key = `/${method.slice(0, -1).join("/").replace(/^\/+/, "")}/${method[method.length - 1]!.toUpperCase()}`;
  const throttle = (apiStage.throttle ??= {});
  if (op.op === "remove") {
    if (field) delete throttle[key]?.[field];
    else delete throttle[key];
    if (throttle[key] && !Object.keys(throttle[key]).length) delete throttle[key];
    return true;
  }
  if (op.op !== "add" && op.op !== "replace") throw badRequest(`Invalid patch operation specified. Must be one of: [add, remove, replace]`);
  const n = Number(op.value);
  if (!field || op.value === undefined || !Number.isFinite(n) || n < 0) throw badRequest(`Invalid throttle value: ${op.value ?? ""}`);
  (throttle[key] ??= {})[field] = field === "burstLimit" ? Math.floor(n) : n;
  return true;
}

/** RFC 4180 CSV, plus single quotes as field quotes (the API key file format allows both). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote && text[i + 1] === quote) { field += c; i++; }
      else if (c === quote) quote = "";
      else field += c;
    } else if ((c === '"' || c === "'") && field === "") quote = c;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      if (row.some((f) => f !== "")) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== "")) rows.push(row);
  return rows;
}
