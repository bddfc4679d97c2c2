/**
 * Authorizers (stored with the API definition; run on the request path by execute/authorize.ts, whose Lambda
 * answers are cached in `authorizerCache` until their TTL or FlushStageAuthorizersCache), the
 * Update* operations of the definition's smaller pieces (method and integration responses, models,
 * request validators, gateway responses) and the per-account settings (GetAccount / UpdateAccount).
 * Every update goes through the one generic patch implementation (patch.ts).
 */
import type * as A from "../../aws/api/apigateway.js";
import { checkModelSchema } from "./execute/models.js";
import { selectionMatches } from "./execute/selection.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { ApiDefinitionOps, restApiIdNotFound } from "./definition-ops.js";
import { lambdaFunctionOf } from "./execute/integrations.js";
import { authorizeCognito } from "./execute/cognito-auth.js";
import { AuthorizerCache } from "./execute/authorizer-cache.js";
import { invokeLambdaAuthorizer, methodArnOf, policyEffect } from "./execute/lambda-authorizer.js";
import { applyPatch, type PatchOperation } from "./patch.js";
import { badRequest, notFound, page } from "./shared.js";

const AUTHORIZER_TYPES = ["TOKEN", "REQUEST", "COGNITO_USER_POOLS"];
const ACCOUNT_MIGRATIONS = [
  `CREATE TABLE apigateway_account (account TEXT NOT NULL, region TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region))`,
];

const patchOps = (ops: A.PatchOperationsShape | undefined) => ops as PatchOperation[] | undefined;

export abstract class ApiAuthorizerOps extends ApiDefinitionOps {
  /** Lambda authorizer answers of every stage (read by the request path through RestApiDataAccess). */
  readonly authorizerCache: AuthorizerCache;

  constructor(env: ServiceEnv) {
    super(env);
    env.store.migrate("apigateway-account", ACCOUNT_MIGRATIONS);
    this.authorizerCache = new AuthorizerCache(env.clock);
  }

  // ---- Authorizers -----------------------------------------------------------------------------------

  CreateAuthorizer(ctx: RequestContext, input: A.CreateAuthorizerInput): A.Authorizer {
    const doc = this.api(ctx, input.restApiId);
    if (!input.name) throw badRequest("Invalid authorizer name specified");
    if (!AUTHORIZER_TYPES.includes(input.type)) throw badRequest(`1 validation error detected: Value '${input.type}' at 'createAuthorizerInput.type' failed to satisfy constraint: Member must satisfy enum value set: [TOKEN, REQUEST, COGNITO_USER_POOLS]`);
    if (input.type === "COGNITO_USER_POOLS" && !input.providerARNs?.length) throw badRequest("Invalid Authorizer provider ARNs specified");
    if (input.type !== "COGNITO_USER_POOLS" && !input.authorizerUri) throw badRequest("Invalid Authorizer URI specified");
    if (input.type === "TOKEN" && !input.identitySource) throw badRequest("Invalid identity source specified");
    const a: A.Authorizer = {
      id: this.env.ids.alnum(6), name: input.name, type: input.type, providerARNs: input.providerARNs, authType: input.authType,
      authorizerUri: input.authorizerUri, authorizerCredentials: input.authorizerCredentials, identitySource: input.identitySource,
      identityValidationExpression: input.identityValidationExpression,
      authorizerResultTtlInSeconds: input.authorizerResultTtlInSeconds ?? 300,
    };
    doc.authorizers[a.id!] = a;
    this.save(ctx, doc);
    return a;
  }

  GetAuthorizer(ctx: RequestContext, input: A.GetAuthorizerInput): A.Authorizer {
    const a = this.api(ctx, input.restApiId).authorizers[input.authorizerId];
    if (!a) throw notFound("Authorizer");
    return a;
  }

  GetAuthorizers(ctx: RequestContext, input: A.GetAuthorizersInput): A.GetAuthorizersOutput {
    return page(Object.values(this.api(ctx, input.restApiId).authorizers), input.position, input.limit, (a) => a.id!);
  }

  UpdateAuthorizer(ctx: RequestContext, input: A.UpdateAuthorizerInput): A.Authorizer {
    const doc = this.api(ctx, input.restApiId);
    const a = doc.authorizers[input.authorizerId];
    if (!a) throw notFound("Authorizer");
    applyPatch(a as Record<string, unknown>, patchOps(input.patchOperations));
    if (typeof a.authorizerResultTtlInSeconds === "string") a.authorizerResultTtlInSeconds = Number(a.authorizerResultTtlInSeconds);
    this.save(ctx, doc);
    return a;
  }

  DeleteAuthorizer(ctx: RequestContext, input: A.DeleteAuthorizerInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    if (!doc.authorizers[input.authorizerId]) throw notFound("Authorizer");
    const inUse = Object.values(doc.resources).some((r) => Object.values(r.methods).some((m) => m.authorizerId === input.authorizerId));
    if (inUse) throw new ServiceError("ConflictException", "Cannot delete authorizer because it is in use by one or more methods", 409);
    delete doc.authorizers[input.authorizerId];
    this.save(ctx, doc);
    return {};
  }

  /**
   * Runs a Lambda TOKEN or REQUEST authorizer with the given request, as the console's test does: the
   * function gets AWS's authorizer event and its answer (principalId, policyDocument, context) comes back.
   * A function that answers the error "Unauthorized" is 401, any other failure or a malformed answer 500.
   */
  async TestInvokeAuthorizer(ctx: RequestContext, input: A.TestInvokeAuthorizerInput): Promise<A.TestInvokeAuthorizerOutput> {
    const doc = this.api(ctx, input.restApiId);
    const a = doc.authorizers[input.authorizerId];
    if (!a) throw notFound("Authorizer");
    if (a.type === "COGNITO_USER_POOLS") return this.testCognitoAuthorizer(ctx, a, input);
    const functionArn = lambdaFunctionOf(a.authorizerUri ?? "");
    if (!functionArn) throw badRequest("Invalid Authorizer URI specified");
    const started = ctx.clock.now();
    const headers = input.headers ?? {};
    const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const [path = "/", query = ""] = (input.pathWithQueryString ?? "/").split("?");
    const queryStringParameters = Object.fromEntries(new URLSearchParams(query));
    const methodArn = methodArnOf(ctx.region, ctx.accountId, input.restApiId, "ESTestInvoke-stage", "GET", "/");
    const lines: string[] = [`Execution log for request ${ctx.requestId}`, `Starting authorizer: ${a.id} for request: ${ctx.requestId}`];
    const finish = (clientStatus: number, extra: Partial<A.TestInvokeAuthorizerOutput> = {}): A.TestInvokeAuthorizerOutput =>
      ({ clientStatus, latency: ctx.clock.now() - started, log: `${lines.join("\n")}\n`, ...extra });

    let event: Record<string, unknown>;
    if (a.type === "TOKEN") {
      const token = header((a.identitySource ?? "").replace(/^method\.request\.header\./, ""));
      if (!token) return (lines.push("Unauthorized request: identity source missing"), finish(401));
      if (a.identityValidationExpression && !selectionMatches(a.identityValidationExpression, token)) {
        return (lines.push("Unauthorized request: the token does not match the identity validation expression"), finish(401));
      }
      event = { type: "TOKEN", authorizationToken: token, methodArn };
    } else {
      event = {
        type: "REQUEST", methodArn, resource: path, path, httpMethod: "GET", headers, multiValueHeaders: input.multiValueHeaders ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        queryStringParameters, multiValueQueryStringParameters: Object.fromEntries(Object.entries(queryStringParameters).map(([k, v]) => [k, [v]])),
        pathParameters: {}, stageVariables: input.stageVariables ?? {},
        requestContext: { accountId: ctx.accountId, apiId: input.restApiId, httpMethod: "GET", path, stage: "test-invoke-stage", requestId: ctx.requestId, resourcePath: path },
      };
    }
    lines.push(`Authorizer request: ${JSON.stringify(event)}`);
    const answer = await invokeLambdaAuthorizer(this.env.services, ctx, functionArn, event);
    if (answer.kind === "unauthorized") return (lines.push("Unauthorized request: the authorizer answered Unauthorized"), finish(401));
    if (answer.kind !== "policy") {
      lines.push(`Execution failed due to configuration error: ${answer.kind === "error" ? answer.why : "no policy"}`);
      return finish(500);
    }
    lines.push(`Authorizer response: principalId ${answer.principalId}, policy ${answer.policy}`);
    // The console's test reports the policy's decision for the test method ARN without refusing (clientStatus 200 means the authorizer answered).
    lines.push(`Policy decision for ${methodArn}: ${policyEffect(answer.policy, methodArn)}`);
    return finish(200, { principalId: answer.principalId, policy: answer.policy });
  }

  /** A COGNITO_USER_POOLS authorizer's test: the token of the identity source verified as on the request path (ID token, no scopes). */
  private async testCognitoAuthorizer(ctx: RequestContext, a: A.Authorizer, input: A.TestInvokeAuthorizerInput): Promise<A.TestInvokeAuthorizerOutput> {
    const started = ctx.clock.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
    const req = { method: "GET", path: "/", rawQuery: "", query: new URLSearchParams(), headers, body: Buffer.alloc(0) };
    const claims = await authorizeCognito(req, this.env.services, {}, a);
    const log = `Execution log for request ${ctx.requestId}\nStarting authorizer: ${a.id} for request: ${ctx.requestId}\n${claims ? "Cognito token verified" : "Unauthorized request: the token is missing or not valid for the authorizer's user pools"}\n`;
    return { clientStatus: claims ? 200 : 401, latency: ctx.clock.now() - started, log, ...(claims ? { claims } : {}) };
  }

  /** Drops the cached Lambda authorizer answers of one stage. */
  FlushStageAuthorizersCache(ctx: RequestContext, input: A.FlushStageAuthorizersCacheInput): Record<string, never> {
    this.api(ctx, input.restApiId);
    if (!this.store.getStage(input.restApiId, input.stageName)) throw notFound("Stage");
    this.authorizerCache.flushStage(input.restApiId, input.stageName);
    return {};
  }

  // ---- Updates of the definition's smaller pieces ------------------------------------------------------

  UpdateMethodResponse(ctx: RequestContext, input: A.UpdateMethodResponseInput): A.MethodResponse {
    const doc = this.api(ctx, input.restApiId);
    const r = this.method(doc, input.resourceId, input.httpMethod).methodResponses?.[input.statusCode];
    if (!r) throw notFound("Response status code");
    r.responseParameters ??= {};
    r.responseModels ??= {};
    applyPatch(r as Record<string, unknown>, patchOps(input.patchOperations));
    // Method response parameters are booleans ("required"); patch values arrive as strings.
    for (const [k, v] of Object.entries(r.responseParameters)) if (typeof v === "string") r.responseParameters[k] = v === "true";
    this.save(ctx, doc);
    return r;
  }

  UpdateIntegrationResponse(ctx: RequestContext, input: A.UpdateIntegrationResponseInput): A.IntegrationResponse {
    const doc = this.api(ctx, input.restApiId);
    const r = this.integration(doc, input.resourceId, input.httpMethod).integrationResponses?.[input.statusCode];
    if (!r) throw notFound("Response status code");
    r.responseParameters ??= {};
    r.responseTemplates ??= {};
    applyPatch(r as Record<string, unknown>, patchOps(input.patchOperations));
    this.save(ctx, doc);
    return r;
  }

  UpdateModel(ctx: RequestContext, input: A.UpdateModelInput): A.Model {
    const doc = this.api(ctx, input.restApiId, restApiIdNotFound);
    const m = doc.models[input.modelName];
    if (!m) throw new ServiceError("NotFoundException", "Invalid model name specified", 404);
    const next = { ...m } as Record<string, unknown>;
    applyPatch(next, patchOps(input.patchOperations), /^\/(schema|description)$/);
    if (typeof next.schema === "string" && next.schema !== m.schema) {
      try {
        checkModelSchema(doc.api.id!, doc.models, input.modelName, next.schema);
      } catch (e) {
        throw badRequest(`Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified. Unsupported keyword(s): ${(e as Error).message}]`);
      }
    }
    doc.models[input.modelName] = next as A.Model;
    this.save(ctx, doc);
    return next as A.Model;
  }

  UpdateRequestValidator(ctx: RequestContext, input: A.UpdateRequestValidatorInput): A.RequestValidator {
    const doc = this.api(ctx, input.restApiId);
    const v = doc.validators[input.requestValidatorId];
    if (!v) throw notFound("Request Validator");
    applyPatch(v as Record<string, unknown>, patchOps(input.patchOperations), /^\/(name|validateRequestBody|validateRequestParameters)$/);
    this.save(ctx, doc);
    return v;
  }

  UpdateGatewayResponse(ctx: RequestContext, input: A.UpdateGatewayResponseInput): A.GatewayResponse {
    const doc = this.api(ctx, input.restApiId);
    // Updating a default response customizes it, as on AWS.
    const g = doc.gatewayResponses[input.responseType] ?? { responseType: input.responseType, responseParameters: {}, responseTemplates: {} };
    g.responseParameters ??= {};
    g.responseTemplates ??= {};
    applyPatch(g as Record<string, unknown>, patchOps(input.patchOperations));
    g.defaultResponse = false;
    doc.gatewayResponses[input.responseType] = g;
    this.save(ctx, doc);
    return g;
  }

  // ---- Account -----------------------------------------------------------------------------------------

  GetAccount(ctx: RequestContext, _input: A.GetAccountInput): A.GetAccountOutput {
    const row = this.env.store.db.prepare("SELECT doc FROM apigateway_account WHERE account = ? AND region = ?").get(ctx.accountId, ctx.region) as { doc: string } | undefined;
    const stored = row ? (JSON.parse(row.doc) as A.GetAccountOutput) : {};
    // The defaults are AWS's account-level quotas for a new account.
    return { throttleSettings: { burstLimit: 5000, rateLimit: 10000 }, features: ["UsagePlans"], apiKeyVersion: "4", ...stored };
  }

  UpdateAccount(ctx: RequestContext, input: A.UpdateAccountInput): A.GetAccountOutput {
    const account = this.GetAccount(ctx, {}) as Record<string, unknown>;
    applyPatch(account, patchOps(input.patchOperations), /^\/(cloudwatchRoleArn|features(\/.*)?)$/);
    if (account.cloudwatchRoleArn === "") delete account.cloudwatchRoleArn;
    if (typeof account.cloudwatchRoleArn === "string" && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(account.cloudwatchRoleArn)) {
      throw badRequest("The role ARN is not well formed");
    }
    this.env.store.db.prepare("INSERT INTO apigateway_account (account, region, doc) VALUES (?, ?, ?) ON CONFLICT (account, region) DO UPDATE SET doc = excluded.doc")
      .run(ctx.accountId, ctx.region, JSON.stringify(account));
    return account as A.GetAccountOutput;
  }
}
