/**
 * GetExport: a deployed stage as OpenAPI 3.0 or Swagger 2.0, with the x-amazon-apigateway-integration
 * extension (extensions=integrations) as API Gateway writes it (integration types in lower case).
 */
import type { Integration, Method, Stage } from "../../../aws/api/apigateway.js";
import type { DeploymentSnapshot } from "../snapshot.js";

interface Options {
  integrations: boolean;
  apigateway: boolean;
}

function integrationExtension(i: Integration): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const r of Object.values(i.integrationResponses ?? {})) {
    responses[r.selectionPattern ?? "default"] = { statusCode: r.statusCode, responseParameters: r.responseParameters, responseTemplates: r.responseTemplates, contentHandling: r.contentHandling };
  }
  return clean({
    type: i.type?.toLowerCase(), httpMethod: i.httpMethod, uri: i.uri, credentials: i.credentials, requestParameters: i.requestParameters, requestTemplates: i.requestTemplates,
    passthroughBehavior: i.passthroughBehavior?.toLowerCase(), contentHandling: i.contentHandling, timeoutInMillis: i.timeoutInMillis,
    cacheNamespace: i.cacheNamespace, cacheKeyParameters: i.cacheKeyParameters?.length ? i.cacheKeyParameters : undefined, responses: Object.keys(responses).length ? responses : undefined,
  });
}

function parameters(m: Method): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [key, required] of Object.entries(m.requestParameters ?? {})) {
    const p = /^method\.request\.(path|querystring|header)\.(.+)$/.exec(key);
    if (!p) continue;
    out.push({ name: p[2], in: p[1] === "querystring" ? "query" : p[1], required: p[1] === "path" ? true : required, schema: { type: "string" } });
  }
  return out;
}

export function exportOpenApi(s: DeploymentSnapshot, stage: Stage, region: string, type: "oas30" | "swagger", o: Options): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...s.resources].sort((a, b) => a.path!.localeCompare(b.path!))) {
    const methods = Object.entries(r.resourceMethods ?? {});
    if (!methods.length) continue;
    const item: Record<string, unknown> = {};
    for (const [verb, m] of methods) {
      const op: Record<string, unknown> = {};
      if (m.operationName) op.operationId = m.operationName;
      const ps = parameters(m);
      for (const p of (r.path ?? "").matchAll(/\{([^}+]+)\+?\}/g)) if (!ps.some((x) => x.name === p[1] && x.in === "path")) ps.push({ name: p[1], in: "path", required: true, schema: { type: "string" } });
      if (ps.length) op.parameters = type === "swagger" ? ps.map(({ schema, ...rest }) => ({ ...rest, type: (schema as { type: string }).type })) : ps;
      const responses: Record<string, unknown> = {};
      for (const mr of Object.values(m.methodResponses ?? {})) {
        const headers = Object.keys(mr.responseParameters ?? {}).filter((k) => k.startsWith("method.response.header.")).map((k) => k.slice(23));
        const resp: Record<string, unknown> = { description: `${mr.statusCode} response` };
        if (headers.length) resp.headers = Object.fromEntries(headers.map((h) => [h, type === "swagger" ? { type: "string" } : { schema: { type: "string" } }]));
        if (mr.responseModels && Object.keys(mr.responseModels).length) {
          if (type === "swagger") resp.schema = { $ref: `#/definitions/${Object.values(mr.responseModels)[0]}` };
          else resp.content = Object.fromEntries(Object.entries(mr.responseModels).map(([ct, model]) => [ct, { schema: { $ref: `#/components/schemas/${model}` } }]));
        }
        responses[mr.statusCode!] = resp;
      }
      op.responses = responses;
      if (m.authorizationType === "AWS_IAM") op.security = [{ sigv4: [] }];
      if (m.apiKeyRequired) op.security = [...((op.security as unknown[]) ?? []), { api_key: [] }];
      if (o.integrations && m.methodIntegration) op["x-amazon-apigateway-integration"] = integrationExtension(m.methodIntegration);
      item[verb === "ANY" ? "x-amazon-apigateway-any-method" : verb.toLowerCase()] = op;
    }
    paths[r.path!] = item;
  }
  const schemas = Object.fromEntries(s.models.filter((m) => m.schema).map((m) => [m.name, safeJson(m.schema!)]));
  const info = { title: s.api.name, description: s.api.description, version: (s.api.createdDate ? new Date(s.api.createdDate) : new Date()).toISOString().replace(/\.\d{3}Z$/, "Z") };
  const extra: Record<string, unknown> = {};
  if (s.api.binaryMediaTypes?.length) extra["x-amazon-apigateway-binary-media-types"] = s.api.binaryMediaTypes;
  if (o.apigateway && s.api.minimumCompressionSize !== undefined) extra["x-amazon-apigateway-minimum-compression-size"] = s.api.minimumCompressionSize;
  if (o.apigateway && s.requestValidators.length) extra["x-amazon-apigateway-request-validators"] = Object.fromEntries(s.requestValidators.map((v) => [v.name, { validateRequestBody: v.validateRequestBody, validateRequestParameters: v.validateRequestParameters }]));
  if (type === "swagger") {
    return clean({ swagger: "2.0", info, host: `${s.api.id}.execute-api.${region}.amazonaws.com`, basePath: `/${stage.stageName}`, schemes: ["https"], paths, definitions: schemas, ...extra });
  }
  return clean({
    openapi: "3.0.1", info,
    servers: [{ url: `https://${s.api.id}.execute-api.${region}.amazonaws.com/{basePath}`, variables: { basePath: { default: stage.stageName } } }],
    paths, components: Object.keys(schemas).length ? { schemas } : undefined, ...extra,
  });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}

function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
