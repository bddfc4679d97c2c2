/**
 * ImportApi / ReimportApi / ExportApi for HTTP APIs ("Working with OpenAPI definitions for HTTP APIs"):
 * OpenAPI 3 (JSON or YAML) with x-amazon-apigateway-integration (per operation), x-amazon-apigateway-any-method,
 * the `$default` path, x-amazon-apigateway-cors, x-amazon-apigateway-authorizer (jwt and request) in
 * components.securitySchemes, x-amazon-apigateway-authtype awsSigv4 (AWS_IAM) and
 * x-amazon-apigateway-disable-default-endpoint. Reimport replaces the API's routes, integrations and
 * authorizers. Gaps: x-amazon-apigateway-integrations ($ref'd shared integrations), Basepath prepend/split,
 * request/response models; WebSocket APIs cannot be imported or exported (as on AWS).
 */
import yaml from "js-yaml";
import type { RequestContext } from "../../edge/context.js";
import type { ApiGatewayV2Provider } from "./provider.js";
import { badRequest, defined, HTTP_DEFAULT_ROUTE_SELECTION } from "./shared.js";
import { validateAuthorizer } from "./validate.js";
import type { ApiRecord, AuthorizerRecord, DeploymentSnapshot, IntegrationRecord, RouteRecord } from "./store.js";

const MAX_BODY_CHARS = 6 * 1024 * 1024;
const VERBS = ["get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"];
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function parseBody(body: string): Obj {
  if (!body || body.length > MAX_BODY_CHARS) throw badRequest("The API definition must be between 1 byte and 6 MB");
  let doc: unknown;
  try {
    doc = yaml.load(body, { json: true });
  } catch (e) {
    throw badRequest(`Unable to parse the API definition: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!isObj(doc)) throw badRequest("Unable to parse the API definition: not an object");
  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3.")) throw badRequest("Only OpenAPI 3.0 definitions can be imported into HTTP APIs");
  return doc;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const strList = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? v.split(",").map((s) => s.trim()) : undefined);

function corsOf(v: unknown) {
  if (!isObj(v)) return undefined;
  return defined({
    AllowCredentials: typeof v.allowCredentials === "boolean" ? v.allowCredentials : undefined, AllowHeaders: strList(v.allowHeaders), AllowMethods: strList(v.allowMethods),
    AllowOrigins: strList(v.allowOrigins), ExposeHeaders: strList(v.exposeHeaders), MaxAge: typeof v.maxAge === "number" ? v.maxAge : undefined,
  });
}

/** Creates (or, with `existing`, replaces the definition of) an HTTP API from an OpenAPI document. */
export function importApi(ctx: RequestContext, p: ApiGatewayV2Provider, body: string, existing: ApiRecord | undefined, failOnWarnings: boolean, _basepath?: string): ApiRecord {
  const doc = parseBody(body);
  const info = isObj(doc.info) ? doc.info : {};
  const warnings: string[] = [];
  const name = str(info.title);
  if (!name && !existing) throw badRequest("The API definition has no info.title: an API needs a name");
  if (existing && existing.ProtocolType !== "HTTP") throw badRequest("Only HTTP APIs can be reimported");
  const store = p.store;
  const api: ApiRecord = defined({
    ...(existing ?? { ApiId: p.newId(10), CreatedDate: new Date(ctx.clock.now()), ProtocolType: "HTTP" as const, RouteSelectionExpression: HTTP_DEFAULT_ROUTE_SELECTION, Tags: {}, DisableExecuteApiEndpoint: false }),
    Name: name ?? existing!.Name, Version: str(info.version), Description: str(info.description), CorsConfiguration: corsOf(doc["x-amazon-apigateway-cors"]),
    DisableExecuteApiEndpoint: doc["x-amazon-apigateway-disable-default-endpoint"] === true ? true : existing?.DisableExecuteApiEndpoint ?? false,
  });
  // Authorizers from the security schemes.
  const schemes = isObj(doc.components) && isObj(doc.components.securitySchemes) ? doc.components.securitySchemes : {};
  const authorizers = new Map<string, AuthorizerRecord | "AWS_IAM">();
  for (const [schemeName, s] of Object.entries(schemes)) {
    if (!isObj(s)) continue;
    if (s["x-amazon-apigateway-authtype"] === "awsSigv4") {
      authorizers.set(schemeName, "AWS_IAM");
      continue;
    }
    const a = s["x-amazon-apigateway-authorizer"];
    if (!isObj(a)) {
      warnings.push(`Unsupported security scheme ${schemeName}: it has no x-amazon-apigateway-authorizer`);
      continue;
    }
    const type = String(a.type ?? "").toLowerCase();
    const jwt = isObj(a.jwtConfiguration) ? a.jwtConfiguration : {};
    authorizers.set(schemeName, defined({
      AuthorizerId: p.newId(6), Name: schemeName, AuthorizerType: type === "jwt" ? "JWT" : "REQUEST",
      IdentitySource: strList(a.identitySource) ?? (type === "jwt" ? ["$request.header.Authorization"] : undefined),
      JwtConfiguration: type === "jwt" ? defined({ Issuer: str(jwt.issuer), Audience: strList(jwt.audience) }) : undefined,
      AuthorizerUri: str(a.authorizerUri), AuthorizerPayloadFormatVersion: str(a.authorizerPayloadFormatVersion), EnableSimpleResponses: typeof a.enableSimpleResponses === "boolean" ? a.enableSimpleResponses : undefined,
      AuthorizerResultTtlInSeconds: typeof a.authorizerResultTtlInSeconds === "number" ? a.authorizerResultTtlInSeconds : undefined, AuthorizerCredentialsArn: str(a.authorizerCredentials),
    }) as AuthorizerRecord);
    validateAuthorizer("HTTP", authorizers.get(schemeName) as AuthorizerRecord);
  }
  // Routes and their integrations.
  const routes: RouteRecord[] = [];
  const integrations: IntegrationRecord[] = [];
  const paths = isObj(doc.paths) ? doc.paths : {};
  const globalSecurity = Array.isArray(doc.security) ? doc.security : undefined;
  for (const [path, item] of Object.entries(paths)) {
    if (!isObj(item)) continue;
    for (const verb of VERBS) {
      const op = item[verb];
      if (!isObj(op)) continue;
      const method = verb === "x-amazon-apigateway-any-method" ? "ANY" : verb.toUpperCase();
      const route: RouteRecord = { RouteId: p.newId(7), RouteKey: path === "$default" ? "$default" : `${method} ${path}`, ApiKeyRequired: false, AuthorizationType: "NONE", OperationName: str(op.operationId) };
      const security = Array.isArray(op.security) ? op.security : globalSecurity;
      const first = security?.find(isObj) as Obj | undefined;
      if (first && Object.keys(first).length) {
        const [schemeName, scopes] = Object.entries(first)[0]!;
        const a = authorizers.get(schemeName);
        if (a === "AWS_IAM") route.AuthorizationType = "AWS_IAM";
        else if (a) {
          route.AuthorizationType = a.AuthorizerType === "JWT" ? "JWT" : "CUSTOM";
          route.AuthorizerId = a.AuthorizerId;
          if (Array.isArray(scopes) && scopes.length) route.AuthorizationScopes = scopes.map(String);
        } else warnings.push(`Route ${route.RouteKey} names an unknown security scheme ${schemeName}`);
      }
      const x = op["x-amazon-apigateway-integration"];
      if (isObj(x)) {
        const type = String(x.type ?? "").toUpperCase();
        const i: IntegrationRecord = defined({
          IntegrationId: p.newId(7), IntegrationType: type, IntegrationUri: str(x.uri), IntegrationMethod: str(x.httpMethod), PayloadFormatVersion: str(x.payloadFormatVersion),
          ConnectionType: str(x.connectionType), ConnectionId: str(x.connectionId), TimeoutInMillis: typeof x.timeoutInMillis === "number" ? x.timeoutInMillis : undefined,
          CredentialsArn: str(x.credentials), IntegrationSubtype: str(x.integrationSubtype), Description: str(x.description),
          RequestParameters: isObj(x.requestParameters) ? (x.requestParameters as Record<string, string>) : undefined,
          ResponseParameters: isObj(x.responseParameters) ? (x.responseParameters as Record<string, Record<string, string>>) : undefined,
          TlsConfig: isObj(x.tlsConfig) ? { ServerNameToVerify: str(x.tlsConfig.serverNameToVerify) } : undefined,
        }) as IntegrationRecord;
        integrations.push(p.checkedIntegration(api, i));
        route.Target = `integrations/${i.IntegrationId}`;
      } else {
        warnings.push(`Route ${route.RouteKey} has no x-amazon-apigateway-integration: imported without an integration`);
      }
      routes.push(route);
    }
  }
  if (failOnWarnings && warnings.length) throw badRequest(`Warnings found during import:\n\t${warnings.join("\n\t")}`);
  // All checks passed: write. A reimport replaces the definition.
  if (existing) {
    for (const r of store.listRoutes(api.ApiId)) store.deleteItem(api.ApiId, "route", r.RouteId);
    for (const i of store.listIntegrations(api.ApiId)) store.deleteItem(api.ApiId, "integration", i.IntegrationId);
    for (const a of store.listAuthorizers(api.ApiId)) store.deleteItem(api.ApiId, "authorizer", a.AuthorizerId);
  }
  api.Warnings = warnings.length ? warnings : undefined;
  if (!api.Warnings) delete api.Warnings;
  store.putApi(ctx.accountId, ctx.region, { ...api, Warnings: undefined });
  for (const a of authorizers.values()) if (a !== "AWS_IAM") store.putItem(api.ApiId, "authorizer", a.AuthorizerId, a);
  for (const i of integrations) store.putItem(api.ApiId, "integration", i.IntegrationId, i);
  const seen = new Set<string>();
  for (const r of routes) {
    if (seen.has(r.RouteKey)) throw badRequest(`Duplicate route ${r.RouteKey} in the API definition`);
    seen.add(r.RouteKey);
    p.checkImportedRoute(api, r);
    store.putItem(api.ApiId, "route", r.RouteId, defined(r));
  }
  return api;
}

/** The API as OpenAPI 3 (the snapshot: a stage's deployment, or the live definition). */
export function exportApi(s: DeploymentSnapshot, endpoint: string, outputType: string, extensions: boolean, version?: string, stageName?: string): Uint8Array {
  const api = s.api;
  const doc: Obj = { openapi: "3.0.1", info: defined({ title: api.Name, description: api.Description, version: version ?? api.Version ?? api.CreatedDate.toISOString().replace(/\.\d+Z$/, "Z") }) };
  doc.servers = [stageName && stageName !== "$default" ? { url: `${endpoint}/{basePath}`, variables: { basePath: { default: stageName } } } : { url: endpoint }];
  const integrations = new Map(s.integrations.map((i) => [i.IntegrationId, i]));
  const authorizers = new Map(s.authorizers.map((a) => [a.AuthorizerId, a]));
  const paths: Record<string, Obj> = {};
  let usesIam = false;
  for (const r of [...s.routes].sort((a, b) => a.RouteKey.localeCompare(b.RouteKey))) {
    const space = r.RouteKey.indexOf(" ");
    const path = r.RouteKey === "$default" ? "$default" : r.RouteKey.slice(space + 1);
    const method = r.RouteKey === "$default" ? "ANY" : r.RouteKey.slice(0, space);
    const op: Obj = { responses: { default: { description: `Default response for ${r.RouteKey}` } } };
    if (r.OperationName) op.operationId = r.OperationName;
    const params = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => ({ name: m[1], in: "path", description: `Generated path parameter for ${m[1]}`, required: true, schema: { type: "string" } }));
    if (params.length) op.parameters = params;
    if (r.AuthorizationType === "AWS_IAM") {
      op.security = [{ sigv4: [] }];
      usesIam = true;
    } else if (r.AuthorizerId && authorizers.has(r.AuthorizerId)) {
      op.security = [{ [authorizers.get(r.AuthorizerId)!.Name]: r.AuthorizationScopes ?? [] }];
    }
    const i = r.Target ? integrations.get(r.Target.replace(/^integrations\//, "")) : undefined;
    if (i && extensions) {
      op["x-amazon-apigateway-integration"] = defined({
        payloadFormatVersion: i.PayloadFormatVersion, type: i.IntegrationType.toLowerCase(), httpMethod: i.IntegrationMethod, uri: i.IntegrationUri, connectionType: i.ConnectionType,
        connectionId: i.ConnectionId, timeoutInMillis: i.TimeoutInMillis, credentials: i.CredentialsArn, integrationSubtype: i.IntegrationSubtype, requestParameters: i.RequestParameters,
        responseParameters: i.ResponseParameters, tlsConfig: i.TlsConfig?.ServerNameToVerify ? { serverNameToVerify: i.TlsConfig.ServerNameToVerify } : undefined,
      });
    }
    (paths[path] ??= {})[method === "ANY" ? "x-amazon-apigateway-any-method" : method.toLowerCase()] = op;
  }
  doc.paths = paths;
  const schemes: Obj = {};
  for (const a of s.authorizers) {
    const x = a.AuthorizerType === "JWT"
      ? { identitySource: a.IdentitySource?.join(","), jwtConfiguration: defined({ issuer: a.JwtConfiguration?.Issuer, audience: a.JwtConfiguration?.Audience }), type: "jwt" }
      : defined({ identitySource: a.IdentitySource?.join(","), authorizerUri: a.AuthorizerUri, authorizerPayloadFormatVersion: a.AuthorizerPayloadFormatVersion, authorizerResultTtlInSeconds: a.AuthorizerResultTtlInSeconds, enableSimpleResponses: a.EnableSimpleResponses, authorizerCredentials: a.AuthorizerCredentialsArn, type: "request" });
    schemes[a.Name] = a.AuthorizerType === "JWT"
      ? { type: "oauth2", flows: {}, ...(extensions ? { "x-amazon-apigateway-authorizer": x } : {}) }
      : { type: "apiKey", name: a.IdentitySource?.[0]?.split(".").pop() ?? "Unused", in: /querystring/.test(a.IdentitySource?.[0] ?? "") ? "query" : "header", ...(extensions ? { "x-amazon-apigateway-authorizer": x } : {}) };
  }
  if (usesIam) schemes.sigv4 = { type: "apiKey", name: "Authorization", in: "header", ...(extensions ? { "x-amazon-apigateway-authtype": "awsSigv4" } : {}) };
  if (Object.keys(schemes).length) doc.components = { securitySchemes: schemes };
  if (extensions) {
    if (api.CorsConfiguration) {
      const c = api.CorsConfiguration;
      doc["x-amazon-apigateway-cors"] = defined({ allowCredentials: c.AllowCredentials, allowHeaders: c.AllowHeaders, allowMethods: c.AllowMethods, allowOrigins: c.AllowOrigins, exposeHeaders: c.ExposeHeaders, maxAge: c.MaxAge });
    }
    if (api.DisableExecuteApiEndpoint) doc["x-amazon-apigateway-disable-default-endpoint"] = true;
    doc["x-amazon-apigateway-importexport-version"] = "1.0";
  }
  const plain = JSON.parse(JSON.stringify(doc)) as Obj;
  return Buffer.from(outputType === "YAML" ? yaml.dump(plain, { noRefs: true, lineWidth: -1 }) : JSON.stringify(plain, null, 2));
}
