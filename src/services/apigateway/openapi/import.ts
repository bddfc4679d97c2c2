/**
 * ImportRestApi / PutRestApi: an OpenAPI 3 or Swagger 2 definition (JSON or YAML) with API Gateway's
 * extensions — x-amazon-apigateway-integration (with responses), -any-method, -request-validators,
 * -request-validator, -binary-media-types, -gateway-responses, -api-key-source, -minimum-compression-size —
 * turned into the API's resources, methods, integrations, models and validators.
 */
import yaml from "js-yaml";
import type { Integration, IntegrationResponse, Method, MethodResponse } from "../../../aws/api/apigateway.js";
import { ServiceError } from "../../../aws/errors.js";
import type { IdGenerator } from "../../../core/ids.js";
import type { ApiDoc, StoredResource } from "../model.js";

type Obj = Record<string, any>;
const VERBS = ["get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method"];

/** Parses the body of an import request; a definition that is neither JSON nor YAML is a BadRequestException. */
export function parseDefinition(body: Uint8Array): Obj {
  const text = Buffer.from(body).toString("utf8");
  let doc: unknown;
  try {
    doc = text.trim().startsWith("{") ? JSON.parse(text) : yaml.load(text);
  } catch (e) {
    throw new ServiceError("BadRequestException", `Invalid OpenAPI input: ${(e as Error).message.split("\n")[0]}`, 400);
  }
  if (!doc || typeof doc !== "object" || (!(doc as Obj).swagger && !(doc as Obj).openapi)) {
    throw new ServiceError("BadRequestException", "Invalid OpenAPI input: the document is not an OpenAPI 3 or Swagger 2 definition", 400);
  }
  checkExpandedSize(doc);
  return doc as Obj;
}

/** Bounds on the parsed document as later steps see it (YAML aliases repeat a node wherever they appear). */
const MAX_NODES = 200_000;
const MAX_DEPTH = 128;

/**
 * js-yaml shares aliased nodes, so a 512-byte "billion laughs" parses fast but expands to millions of
 * nodes as soon as anything walks or serializes it (models, JSON.stringify): count the nodes as a walk
 * would see them, and stop at the budget before anything expands them.
 */
function checkExpandedSize(root: unknown): void {
  let nodes = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++nodes > MAX_NODES) throw new ServiceError("BadRequestException", `Invalid OpenAPI input: the document expands to more than ${MAX_NODES} nodes`, 400);
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_DEPTH) throw new ServiceError("BadRequestException", `Invalid OpenAPI input: the document is nested deeper than ${MAX_DEPTH} levels`, 400);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** Applies a definition to an API document (a new API, or PutRestApi in overwrite/merge mode). */
export function applyDefinition(doc: ApiDoc, def: Obj, ids: IdGenerator, mode: "overwrite" | "merge"): string[] {
  const warnings: string[] = [];
  const rootId = doc.api.rootResourceId!;
  if (mode === "overwrite") {
    doc.resources = { [rootId]: { id: rootId, path: "/", methods: {} } };
    doc.validators = {};
    doc.gatewayResponses = {};
    for (const name of Object.keys(doc.models)) if (name !== "Empty" && name !== "Error") delete doc.models[name];
  }
  if (def.info?.title && mode === "overwrite") doc.api.name = def.info.title;
  if (def.info?.description !== undefined) doc.api.description = def.info.description;
  if (def["x-amazon-apigateway-binary-media-types"]) doc.api.binaryMediaTypes = def["x-amazon-apigateway-binary-media-types"];
  if (def["x-amazon-apigateway-api-key-source"]) doc.api.apiKeySource = def["x-amazon-apigateway-api-key-source"];
  if (def["x-amazon-apigateway-minimum-compression-size"] !== undefined) doc.api.minimumCompressionSize = def["x-amazon-apigateway-minimum-compression-size"];

  const schemas: Obj = def.components?.schemas ?? def.definitions ?? {};
  for (const [name, schema] of Object.entries(schemas)) {
    const existing = doc.models[name];
    doc.models[name] = { id: existing?.id ?? ids.alnum(6), name, contentType: "application/json", schema: JSON.stringify({ $schema: "http://json-schema.org/draft-04/schema#", title: name, ...rewriteRefs(schema) }) };
  }
  const validatorIds: Record<string, string> = {};
  for (const [name, v] of Object.entries((def["x-amazon-apigateway-request-validators"] ?? {}) as Obj)) {
    const id = ids.alnum(6);
    doc.validators[id] = { id, name, validateRequestBody: !!v.validateRequestBody, validateRequestParameters: !!v.validateRequestParameters };
    validatorIds[name] = id;
  }
  const defaultValidator = def["x-amazon-apigateway-request-validator"];
  for (const [type, g] of Object.entries((def["x-amazon-apigateway-gateway-responses"] ?? {}) as Obj)) {
    doc.gatewayResponses[type] = { responseType: type, statusCode: g.statusCode, responseParameters: g.responseParameters, responseTemplates: g.responseTemplates, defaultResponse: false };
  }

  for (const [path, item] of Object.entries((def.paths ?? {}) as Obj)) {
    const resource = ensureResource(doc, path, ids);
    const shared: Obj[] = item.parameters ?? [];
    for (const verb of VERBS) {
      const op = item[verb] as Obj | undefined;
      if (!op) continue;
      const httpMethod = verb === "x-amazon-apigateway-any-method" ? "ANY" : verb.toUpperCase();
      const requestParameters: Record<string, boolean> = {};
      for (const p of [...shared, ...(op.parameters ?? [])] as Obj[]) {
        const where = p.in === "query" ? "querystring" : p.in;
        if (where === "path" || where === "querystring" || where === "header") requestParameters[`method.request.${where}.${p.name}`] = !!p.required;
      }
      const methodResponses: Record<string, MethodResponse> = {};
      for (const [code, resp] of Object.entries((op.responses ?? {}) as Obj)) {
        if (!/^\d{3}$/.test(code)) continue;
        const headers = Object.keys(resp.headers ?? {});
        const model = modelOf(resp);
        methodResponses[code] = {
          statusCode: code,
          responseParameters: headers.length ? Object.fromEntries(headers.map((h) => [`method.response.header.${h}`, false])) : undefined,
          responseModels: model ? { "application/json": model } : undefined,
        };
      }
      const bodyModel = op.requestBody ? modelOf(op.requestBody) : modelOf((op.parameters ?? []).find((p: Obj) => p.in === "body") ?? {});
      const validatorName = op["x-amazon-apigateway-request-validator"] ?? defaultValidator;
      const m: Method = {
        httpMethod, authorizationType: op.security?.some((s: Obj) => "sigv4" in s) ? "AWS_IAM" : "NONE", apiKeyRequired: !!op.security?.some((s: Obj) => "api_key" in s),
        operationName: op.operationId, requestParameters: Object.keys(requestParameters).length ? requestParameters : undefined,
        requestModels: bodyModel ? { "application/json": bodyModel } : undefined, requestValidatorId: validatorName ? validatorIds[validatorName] : undefined,
        methodResponses: Object.keys(methodResponses).length ? methodResponses : undefined,
      };
      const x = op["x-amazon-apigateway-integration"] as Obj | undefined;
      if (x) m.methodIntegration = integrationOf(x, resource.id);
      else warnings.push(`No integration defined for method ${httpMethod} ${path}`);
      resource.methods[httpMethod] = m;
    }
  }
  return warnings;
}

function integrationOf(x: Obj, resourceId: string): Integration {
  const responses: Record<string, IntegrationResponse> = {};
  for (const [pattern, r] of Object.entries((x.responses ?? {}) as Obj)) {
    responses[String(r.statusCode)] = { statusCode: String(r.statusCode), selectionPattern: pattern === "default" ? undefined : pattern, responseParameters: r.responseParameters, responseTemplates: r.responseTemplates, contentHandling: r.contentHandling };
  }
  return {
    type: String(x.type ?? "").toUpperCase(), httpMethod: x.httpMethod, uri: x.uri, credentials: x.credentials, requestParameters: x.requestParameters, requestTemplates: x.requestTemplates,
    passthroughBehavior: String(x.passthroughBehavior ?? "when_no_match").toUpperCase(), contentHandling: x.contentHandling, timeoutInMillis: x.timeoutInMillis ?? 29000,
    cacheNamespace: x.cacheNamespace ?? resourceId, cacheKeyParameters: x.cacheKeyParameters ?? [], connectionType: x.connectionType ?? "INTERNET",
    integrationResponses: Object.keys(responses).length ? responses : undefined,
  };
}

function modelOf(holder: Obj): string | undefined {
  const ref: string | undefined = holder.schema?.$ref ?? holder.content?.["application/json"]?.schema?.$ref;
  return ref?.split("/").pop();
}

/** Swagger/OAS $refs inside model schemas point at API Gateway model URLs. */
function rewriteRefs(schema: unknown): Obj {
  return JSON.parse(JSON.stringify(schema ?? {}).replace(/"#\/(components\/schemas|definitions)\/([^"]+)"/g, '"#/definitions/$2"')) as Obj;
}

function ensureResource(doc: ApiDoc, path: string, ids: IdGenerator): StoredResource {
  let current = doc.resources[doc.api.rootResourceId!]!;
  for (const part of path.split("/").filter(Boolean)) {
    const found = Object.values(doc.resources).find((r) => r.parentId === current.id && r.pathPart === part);
    if (found) {
      current = found;
      continue;
    }
    const id = ids.alnum(6);
    const child: StoredResource = { id, parentId: current.id, pathPart: part, path: current.path === "/" ? `/${part}` : `${current.path}/${part}`, methods: {} };
    doc.resources[id] = child;
    current = child;
  }
  return current;
}
