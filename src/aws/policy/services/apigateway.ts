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

function routeOf(service: string, operation: string): Route | null {
  const id = `${service}.${operation}`;
  let r = routes.get(id);
  if (r === undefined) {
    const op = loadModel(service).operations.get(operation);
    r = op ? compileRoute(op) : null;
    routes.set(id, r);
  }
  return r;
}

function compileRoute(op: Operation): Route {
  const memberOf = new Map<string, string>();
  for (const [name, shape] of Object.entries(op.input?.members ?? {})) {
    if (shape.location === "uri") memberOf.set(shape.locationName ?? name, name);
  }
  // HTTP/WebSocket APIs are served under /v2, but their IAM resources are /apis/…, /domainnames/… without it.
  const path = op.requestUri.split("?")[0]!.replace(/^\/v2\//, "/");
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

function modelMapper(service: string): Mapper {
  return (op, input, env) => {
    const route = routeOf(service, op);
    if (!route) return { resources: ["*"] };
    if (op === "UntagResource") addTagKeys(input.tagKeys ?? input.TagKeys, env.context);
    let path = "";
    for (const p of route.parts) {
      if ("text" in p) path += p.text;
      else {
        const v = String((input as Input)[p.member] ?? "");
        // The tags resource embeds an ARN: the reference writes it URL-encoded.
        path += /arn$/i.test(p.member) ? encodeURIComponent(v) : v;
      }
    }
    return { action: `apigateway:${route.method}`, resources: [`arn:aws:apigateway:${env.region}::${path}`] };
  };
}

export const mapApiGateway = modelMapper("apigateway");
export const mapApiGatewayV2 = modelMapper("apigatewayv2");

/**
 * The WebSocket management API (PostToConnection, GetConnection, DeleteConnection) authorises as
 * execute-api:ManageConnections on `arn:aws:execute-api:R:A:API/STAGE/POST/@connections/ID`; the API and
 * stage come from the endpoint the client called, so the authorizer passes them in as `ApiId`/`Stage`.
 */
export const mapApiGatewayManagement: Mapper = (_op, input, env) => {
  const api = typeof input.ApiId === "string" ? input.ApiId : "*";
  const stage = typeof input.Stage === "string" ? input.Stage : "*";
  const id = typeof input.ConnectionId === "string" ? input.ConnectionId : "*";
  return { action: "execute-api:ManageConnections", resources: [`arn:aws:execute-api:${env.region}:${env.accountId}:${api}/${stage}/POST/@connections/${id}`] };
};

/** The execute-api:Invoke resource of a request to a deployed REST or HTTP API. */
export function executeApiArn(region: string, accountId: string, apiId: string, stage: string, method: string, path: string): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method.toUpperCase()}/${path.replace(/^\//, "")}`;
}
