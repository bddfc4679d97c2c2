/**
 * API Gateway's control plane ("Actions, resources, and condition keys for Amazon API Gateway Management"):
 * the actions are the HTTP verbs — apigateway:GET, POST, PUT, PATCH, DELETE — on the resource path the
 * operation addresses, `arn:aws:apigateway:REGION::/restapis/ID/resources/RID/methods/GET`. Both come
 * from the service model (the operation's method and request URI with its labels filled from the input),
 * so every operation maps without a hand-written table. Invoking a deployed API is `execute-api:Invoke`
 * on `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH` (executeApiArn, for the data plane).
 */
import { loadModel, type Operation } from "../../models/loader.js";
import { addTagKeys, type Input, type Mapper } from "./common.js";

interface Route {
  method: string;
  /** Path segments: literal text or the input member filling a label. */
  parts: Array<{ text: string } | { member: string }>;
}

const routes = new Map<string, Route | null>();

function routeOf(operation: string): Route | null {
  let r = routes.get(operation);
  if (r === undefined) {
    const op = loadModel("apigateway").operations.get(operation);
    r = op ? compileRoute(op) : null;
    routes.set(operation, r);
  }
  return r;
}

function compileRoute(op: Operation): Route {
  const memberOf = new Map<string, string>();
  for (const [name, shape] of Object.entries(op.input?.members ?? {})) {
    if (shape.location === "uri") memberOf.set(shape.locationName ?? name, name);
  }
  const path = op.requestUri.split("?")[0]!;
  const parts: Route["parts"] = [];
  let i = 0;
  while (i < path.length) {
    const open = path.indexOf("{", i);
    if (open < 0) break;
    const close = path.indexOf("}", open);
    if (close < 0) break;
    if (open > i) parts.push({ text: path.slice(i, open) });
    const label = path.slice(open + 1, close).replace(/\+$/, "");
    parts.push({ member: memberOf.get(label) ?? label });
    i = close + 1;
  }
  if (i < path.length) parts.push({ text: path.slice(i) });
  return { method: op.method.toUpperCase(), parts };
}

export const mapApiGateway: Mapper = (op, input, env) => {
  const route = routeOf(op);
  if (!route) return { resources: ["*"] };
  if (op === "UntagResource") addTagKeys(input.tagKeys, env.context);
  let path = "";
  for (const p of route.parts) path += "text" in p ? p.text : String((input as Input)[p.member] ?? "");
  return { action: `apigateway:${route.method}`, resources: [`arn:aws:apigateway:${env.region}::${path}`] };
};

/** The execute-api:Invoke resource of a request to a deployed REST or HTTP API. */
export function executeApiArn(region: string, accountId: string, apiId: string, stage: string, method: string, path: string): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method.toUpperCase()}/${path.replace(/^\//, "")}`;
}
