/**
 * Data planes served on the API port besides the AWS APIs (execute-api, Lambda function URLs). Each entry
 * is a cheap host/path test plus a lazily loaded handler; none loads its service until it matches.
 */
import type { DataPlane } from "../edge/edge.js";
import type { ServiceHost } from "./host.js";

const httpApiPlane = () => import("./apigatewayv2/execute/data-plane.js");
const restApiPlane = () => import("./apigateway/execute/data-plane.js");

/**
 * Readies what the first execute-api request needs — both execute planes' modules and the HTTP API lookup every
 * request goes through first — in the background when a stage is deployed, so that request does not pay ~100 ms
 * of module loading (a first burst of load would wait on it).
 */
export function prepareExecuteApi(services: ServiceHost): void {
  void Promise.all([httpApiPlane(), restApiPlane(), services.get("apigatewayv2")]).catch(() => {});
}

export const DATA_PLANES: Array<(services: ServiceHost) => DataPlane> = [
  // Lambda: the Runtime API of execution environments, and code downloads (GetFunction's Code.Location).
  (services) => ({
    matches: (_host, path) => path.startsWith("/_aws/lambda-runtime/") || path.startsWith("/_aws/lambda/code/"),
    maxBodyBytes: 7 * 1024 * 1024,
    async tooLarge(path, method) {
      const lambda = (await services.get("lambda")) as { handleOversize(p: string, m: string): import("../aws/protocol/types.js").HttpResponse };
      return lambda.handleOversize(path, method);
    },
    async handle(req) {
      const lambda = (await services.get("lambda")) as { handleDataPlane(r: typeof req): Promise<import("../aws/protocol/types.js").HttpResponse> };
      return lambda.handleDataPlane(req);
    },
  }),
  // Lambda function URLs: {urlId}.lambda-url.{region}.localhost[:port].
  (services) => ({
    matches: (host) => LAMBDA_URL_HOST.test(host),
    maxBodyBytes: 6 * 1024 * 1024,
    async handle(req, host) {
      const lambda = (await services.get("lambda")) as { handleFunctionUrl(r: typeof req, h: string): Promise<import("../aws/protocol/types.js").HttpResponse> };
      return lambda.handleFunctionUrl(req, host);
    },
  }),
  // WebSocket APIs' @connections management API: /{stage}/@connections/{id} on an API's host or path-style URL.
  (services) => ({
    matches: (host, path) => path.includes("/@connections/") && (EXECUTE_HOST.test(host) || path.startsWith("/_aws/execute-api/")),
    maxBodyBytes: 256 * 1024,
    async handle(req, host, endpoint) {
      const p = (await services.get("apigatewaymanagementapi")) as { handleConnectionsRequest(r: typeof req, h: string, e: string): Promise<import("../aws/protocol/types.js").HttpResponse | undefined> };
      return p.handleConnectionsRequest(req, host, endpoint);
    },
  }),
  // API Gateway v2 HTTP APIs on the same hosts and paths as REST APIs; ids of other APIs go on to the next plane.
  (services) => {
    let execute: Promise<(req: import("../aws/protocol/types.js").HttpRequest, host: string) => Promise<import("../aws/protocol/types.js").HttpResponse | undefined>> | undefined;
    return {
      matches: (host, path) => EXECUTE_HOST.test(host) || path.startsWith("/_aws/execute-api/"),
      maxBodyBytes: 10 * 1024 * 1024,
      async handle(req, host) {
        execute ??= httpApiPlane().then((m) => m.createHttpApiHandler(services));
        return (await execute)(req, host);
      },
    };
  },
  // API Gateway REST APIs: {apiId}.execute-api.localhost, /_aws/execute-api/{apiId}/..., and custom domain
  // names (any other unsigned request to a host name that is not an IP, localhost or an AWS endpoint).
  (services) => {
    let execute: Promise<(req: import("../aws/protocol/types.js").HttpRequest, host: string) => Promise<import("../aws/protocol/types.js").HttpResponse | undefined>> | undefined;
    return {
      matches: (host, path, signed) => EXECUTE_HOST.test(host) || path.startsWith("/_aws/execute-api/") || (!signed && isCustomDomainCandidate(host)),
      maxBodyBytes: 10 * 1024 * 1024,
      async handle(req, host) {
        execute ??= restApiPlane().then((m) => m.createExecuteHandler(services));
        return (await execute)(req, host);
      },
    };
  },
  // Cognito user pools' public endpoints: /{poolId}/.well-known/{jwks.json,openid-configuration}, /oauth2/{token,userInfo} (unsigned).
  (services) => ({
    matches: (_host, path, signed) => !signed && (COGNITO_WELL_KNOWN.test(path) || path.startsWith("/oauth2/")),
    maxBodyBytes: 64 * 1024,
    async handle(req, _host, endpoint) {
      const cognito = (await services.get("cognito-idp")) as { handlePublic(r: typeof req, e: string): Promise<import("../aws/protocol/types.js").HttpResponse | undefined> };
      return cognito.handlePublic(req, endpoint);
    },
  }),
  // Lightsail: the link of contact-method verification emails (unsigned GET).
  (services) => ({
    matches: (_host, path, signed) => !signed && path === "/_aws/lightsail/verify-contact",
    maxBodyBytes: 1024,
    async handle(req) {
      const p = (await services.get("lightsail")) as { groups: Array<{ verifyContact?(r: typeof req): import("../aws/protocol/types.js").HttpResponse }> };
      return p.groups.find((g) => g.verifyContact)!.verifyContact!(req);
    },
  }),
  // ECR's registry (OCI distribution API): {account}.dkr.ecr.{region}.localhost[:port], and unsigned /v2/ on loopback hosts.
  (services) => ({
    matches: (host, path, signed) => ECR_REGISTRY_HOST.test(host) || (!signed && (path === "/v2" || path.startsWith("/v2/")) && LOOPBACK_HOST.test(host)),
    maxBodyBytes: 4 * 1024 * 1024,
    streamsBody: (method) => method === "PUT" || method === "PATCH" || method === "POST",
    async handle(req, host) {
      const ecr = (await services.get("ecr")) as { handleRegistry(r: typeof req, h: string): Promise<import("../aws/protocol/types.js").HttpResponse> };
      return ecr.handleRegistry(req, host);
    },
  }),
];

const ECR_REGISTRY_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.localhost(:\d+)?$/i;
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;
const COGNITO_WELL_KNOWN = /^\/[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+\/\.well-known\//;
const LAMBDA_URL_HOST = /^[a-z0-9]{32}\.lambda-url\.[a-z0-9-]+\.localhost(:\d+)?$/i;
const EXECUTE_HOST = /^[a-z0-9]{10}\.execute-api\.localhost(:\d+)?$/i;
function isCustomDomainCandidate(host: string): boolean {
  const h = host.replace(/:\d+$/, "").toLowerCase();
  if (!h.includes(".") || h === "localhost" || h.endsWith(".localhost") || h.endsWith("amazonaws.com") || /^[\d.]+$/.test(h) || h.startsWith("[")) return false;
  return true;
}
