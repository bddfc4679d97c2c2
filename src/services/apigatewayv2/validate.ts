/**
 * Rules of integrations, parameter mappings and authorizers beyond what the model expresses
 * ("Create integrations for HTTP APIs", "Transform API requests and responses for HTTP APIs",
 * "Control access to HTTP APIs with JWT authorizers / AWS Lambda authorizers" in the developer guide).
 */
import { badRequest, enumError } from "./shared.js";
import type { AuthorizerRecord, IntegrationRecord, ProtocolType } from "./store.js";

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const LAMBDA_INVOKE_URI = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/;

/** The function an AWS_PROXY integration (or a Lambda authorizer) calls: a function ARN or the invocation URI form. */
export function lambdaArnOf(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const m = LAMBDA_INVOKE_URI.exec(uri);
  if (m) return m[1];
  return LAMBDA_ARN.test(uri) ? uri : undefined;
}

export function validateIntegration(protocol: ProtocolType, i: IntegrationRecord): void {
  const http = protocol === "HTTP";
  const t = i.IntegrationType;
  if (http && (t === "AWS" || t === "HTTP" || t === "MOCK")) throw badRequest(`Integration type ${t} is not supported for HTTP APIs. Supported types: AWS_PROXY, HTTP_PROXY`);
  if (!["INTERNET", "VPC_LINK"].includes(i.ConnectionType!)) throw enumError("ConnectionType", i.ConnectionType, ["INTERNET", "VPC_LINK"]);
  if (i.ConnectionType === "VPC_LINK" && !i.ConnectionId) throw badRequest("ConnectionId must be specified for connection type VPC_LINK");
  const max = http ? 30000 : 29000;
  if (i.TimeoutInMillis! < 50 || i.TimeoutInMillis! > max) throw badRequest(`Timeout must be between 50 ms and ${max} ms`);
  if (!["1.0", "2.0"].includes(i.PayloadFormatVersion!)) throw badRequest(`Invalid payload format version ${i.PayloadFormatVersion}. Supported values: 1.0, 2.0`);
  if (i.PayloadFormatVersion === "2.0" && !(http && t === "AWS_PROXY")) throw badRequest("Payload format version 2.0 is supported only for Lambda proxy integrations of HTTP APIs");
  if (i.IntegrationMethod !== undefined && !/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY)$/.test(i.IntegrationMethod)) throw badRequest(`Invalid integration method ${i.IntegrationMethod}`);
  if (t === "MOCK") return;
  if (t === "AWS_PROXY") {
    if (i.IntegrationSubtype) {
      if (!http) throw badRequest("Integration subtypes are supported only for HTTP APIs");
      if (!/^(EventBridge-PutEvents|SQS-SendMessage|SQS-ReceiveMessage|SQS-DeleteMessage|SQS-PurgeQueue|AppConfig-GetConfiguration|Kinesis-PutRecord|StepFunctions-StartExecution|StepFunctions-StartSyncExecution|StepFunctions-StopExecution)$/.test(i.IntegrationSubtype)) throw badRequest(`Invalid integration subtype ${i.IntegrationSubtype}`);
      return;
    }
    if (!i.IntegrationUri) throw badRequest("IntegrationUri is required for integration type AWS_PROXY");
    if (!lambdaArnOf(i.IntegrationUri)) throw badRequest(`Invalid integration URI ${i.IntegrationUri}: an AWS_PROXY integration needs a Lambda function ARN or its invocation URI`);
    return;
  }
  if (!i.IntegrationUri) throw badRequest(`IntegrationUri is required for integration type ${t}`);
  if (t === "HTTP" || t === "HTTP_PROXY") {
    if (i.ConnectionType === "INTERNET" && !/^https?:\/\/[^\s/]+/.test(i.IntegrationUri)) throw badRequest(`Invalid HTTP endpoint specified for URI ${i.IntegrationUri}`);
    if (!i.IntegrationMethod) throw badRequest(`IntegrationMethod is required for integration type ${t}`);
  }
  if (t === "AWS" && !/^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:[a-z0-9-]+:(path|action)\/.+$/.test(i.IntegrationUri)) throw badRequest(`Invalid integration URI ${i.IntegrationUri}`);
}

const HTTP_REQUEST_KEY = /^(append|overwrite|remove):(header|querystring)\.[A-Za-z0-9!#$%&'*+.^_`|~-]+$|^overwrite:path$/;
const HTTP_RESPONSE_KEY = /^(append|overwrite|remove):header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+$|^overwrite:statuscode$/;
const WS_REQUEST_KEY = /^integration\.request\.(header|querystring|path)\.[^.\s]+$/;
const RESERVED_HEADERS = /^(connection|content-length|host|te|trailer|transfer-encoding|upgrade|x-amzn-.*|x-amz-.*|x-apigw-.*|proxy-authenticate|www-authenticate)$/i;

/** Parameter mapping keys ("Transform API requests and responses for HTTP APIs": reserved headers refused). */
export function validateParameterMapping(protocol: ProtocolType, i: IntegrationRecord): void {
  const req = i.RequestParameters ?? {};
  const keys = Object.keys(req);
  if (keys.length > 50) throw badRequest("At most 50 request parameters can be mapped");
  for (const k of keys) {
    if (protocol === "HTTP") {
      if (i.IntegrationSubtype) continue; // AWS service integrations map named parameters (MessageBody, QueueUrl...)
      if (!HTTP_REQUEST_KEY.test(k)) throw badRequest(`Invalid mapping expression specified: ${k}. Use append:, overwrite: or remove: with header.{name} or querystring.{name}, or overwrite:path`);
      const name = k.split(".").slice(1).join(".");
      if (k.includes(":header.") && RESERVED_HEADERS.test(name)) throw badRequest(`Invalid mapping expression specified: ${k}. Header ${name} is reserved`);
      if (!k.startsWith("remove:") && (typeof req[k] !== "string" || req[k] === "")) throw badRequest(`Invalid mapping value for ${k}`);
    } else if (!WS_REQUEST_KEY.test(k)) {
      throw badRequest(`Invalid mapping expression specified: ${k}`);
    }
  }
  for (const [status, map] of Object.entries(i.ResponseParameters ?? {})) {
    if (protocol !== "HTTP") throw badRequest("Response parameters are supported only for HTTP APIs");
    if (!/^[1-5]\d\d$/.test(status)) throw badRequest(`Invalid status code ${status} in response parameters`);
    for (const k of Object.keys(map ?? {})) {
      if (!HTTP_RESPONSE_KEY.test(k)) throw badRequest(`Invalid mapping expression specified: ${k}. Use append:, overwrite: or remove: with header.{name}, or overwrite:statuscode`);
      const name = k.split(".").slice(1).join(".");
      if (k.includes(":header.") && RESERVED_HEADERS.test(name)) throw badRequest(`Invalid mapping expression specified: ${k}. Header ${name} is reserved`);
    }
  }
}

export function validateAuthorizer(protocol: ProtocolType, a: AuthorizerRecord): void {
  const types = protocol === "HTTP" ? ["JWT", "REQUEST"] : ["REQUEST"];
  if (!types.includes(a.AuthorizerType)) throw enumError("AuthorizerType", a.AuthorizerType, types);
  if (!a.Name) throw badRequest("Name is required");
  if (a.AuthorizerType === "JWT") {
    if (!a.JwtConfiguration?.Issuer) throw badRequest("JwtConfiguration.Issuer is required for JWT authorizers");
    if (!/^https?:\/\//.test(a.JwtConfiguration.Issuer)) throw badRequest(`Invalid issuer ${a.JwtConfiguration.Issuer}: the issuer must be a URL`);
    if (!a.IdentitySource || a.IdentitySource.length !== 1) throw badRequest("A JWT authorizer needs exactly one identity source, e.g. $request.header.Authorization");
    if (!/^\$(request\.(header|querystring)\.[^\s]+|context\.[A-Za-z0-9.]+|stageVariables\.[A-Za-z0-9_]+)$/.test(a.IdentitySource[0]!)) throw badRequest(`Invalid identity source ${a.IdentitySource[0]}`);
    if (a.AuthorizerUri) throw badRequest("AuthorizerUri is not supported for JWT authorizers");
    return;
  }
  if (!a.AuthorizerUri || !lambdaArnOf(a.AuthorizerUri)) throw badRequest(`Invalid authorizer URI ${a.AuthorizerUri ?? ""}: a REQUEST authorizer needs a Lambda function's invocation URI`);
  if (protocol === "HTTP") {
    if (!a.AuthorizerPayloadFormatVersion) throw badRequest("AuthorizerPayloadFormatVersion is required for REQUEST authorizers of HTTP APIs");
    if (!["1.0", "2.0"].includes(a.AuthorizerPayloadFormatVersion)) throw badRequest(`Invalid authorizer payload format version ${a.AuthorizerPayloadFormatVersion}. Supported values: 1.0, 2.0`);
    if (a.EnableSimpleResponses && a.AuthorizerPayloadFormatVersion !== "2.0") throw badRequest("Simple responses are supported only for authorizer payload format version 2.0");
    const ttl = a.AuthorizerResultTtlInSeconds ?? 0;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw badRequest("AuthorizerResultTtlInSeconds must be between 0 and 3600");
    if (ttl > 0 && !a.IdentitySource?.length) throw badRequest("Identity sources are required when authorizer caching is enabled");
  } else if (a.EnableSimpleResponses || a.AuthorizerPayloadFormatVersion) {
    throw badRequest("Simple responses and payload format versions are supported only for HTTP API authorizers");
  }
  for (const s of a.IdentitySource ?? []) {
    const ok = protocol === "HTTP" ? /^\$(request\.(header|querystring)\.[^\s]+|context\.[A-Za-z0-9.]+|stageVariables\.[A-Za-z0-9_]+)$/ : /^(route\.request\.(header|querystring)\.[^\s]+|context\.[A-Za-z0-9.]+|stageVariables\.[A-Za-z0-9_]+)$/;
    if (!ok.test(s)) throw badRequest(`Invalid identity source ${s}`);
  }
}
