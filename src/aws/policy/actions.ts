/**
 * Operation → IAM authorization: for a request to a served service, the IAM action(s) and resource ARN(s)
 * the Service Authorization Reference lists for it, and the request context (global condition keys plus
 * the service keys that are cheap to know). One mapper per service lives in ./services/; the exceptions to
 * `service:Operation` are listed there.
 *
 * `iamChecked` is false for operations AWS does not authorise through IAM (unsigned or token-authorised:
 * sts:GetCallerIdentity, AssumeRoleWithWebIdentity, Cognito's SignUp/InitiateAuth…): let them through.
 * Every entry of `checks` must be allowed (CopyObject reads its source, CreateFunction passes a role,
 * TransactWriteItems writes several tables); `action`/`resources` are checks[0].
 *
 * Known gaps: aws:ResourceTag/* needs the owning service's store (the authorizer passes `resourceTags` when
 * it has them); the IAM ARNs of existing entities with a path need the IAM store.
 */
import type { Clock } from "../../core/clock.js";
import { mapApiGateway, mapApiGatewayManagement, mapApiGatewayV2 } from "./services/apigateway.js";
import { addRequestTags, addTagKeys, type AuthorizationCheck, type Input, type Mapper, type MapperEnv } from "./services/common.js";
import { mapDynamoDb } from "./services/dynamodb.js";
import { mapEvents } from "./services/events.js";
import { mapCognitoIdentity, mapCognitoIdp, mapIam, mapSts } from "./services/identity.js";
import { mapLambda } from "./services/lambda.js";
import { mapLogs } from "./services/logs.js";
import { mapS3 } from "./services/s3.js";
import type { CallerIdentity, ConditionValue } from "./types.js";

export type { AuthorizationCheck } from "./services/common.js";
export { arnAccount } from "./services/common.js";
export { executeApiArn } from "./services/apigateway.js";
export { functionArn } from "./services/lambda.js";

export interface Authorization {
  action: string;
  resources: string[];
  context: Record<string, ConditionValue>;
  /** All must be allowed; checks[0] is { action, resources }. */
  checks: AuthorizationCheck[];
  /** False when AWS does not authorise the operation through IAM at all (nothing to evaluate). */
  iamChecked: boolean;
}

/** What the authorizer knows about the request beyond its input (RequestContext fits: extra fields are optional). */
export interface AuthorizationEnv {
  accountId: string;
  region: string;
  clock?: Clock;
  /** Milliseconds since the epoch, when no clock is given. */
  now?: number;
  sourceIp?: string;
  secureTransport?: boolean;
  caller?: CallerIdentity;
  /** The addressed resource's tags, when the authorizer looked them up (aws:ResourceTag/*). */
  resourceTags?: Record<string, string>;
  /** DynamoDB: the partition key attribute of a table, for dynamodb:LeadingKeys. */
  partitionKeyOf?: (tableName: string) => string | undefined;
}

/**
 * Action prefix per Skyport service name (the Streams API authorises as dynamodb:*); services without a
 * mapper (batch, cloudwatch, lightsail, cloudformation) get `<service>:<Operation>` on "*".
 */
export const ACTION_PREFIX: Record<string, string> = {
  dynamodb: "dynamodb",
  dynamodbstreams: "dynamodb",
  lambda: "lambda",
  logs: "logs",
  apigateway: "apigateway",
  apigatewayv2: "apigateway",
  apigatewaymanagementapi: "execute-api",
  sts: "sts",
  iam: "iam",
  s3: "s3",
  events: "events",
  "cognito-idp": "cognito-idp",
  "cognito-identity": "cognito-identity",
};

const MAPPERS: Record<string, Mapper> = {
  dynamodb: mapDynamoDb,
  dynamodbstreams: mapDynamoDb,
  lambda: mapLambda,
  logs: mapLogs,
  apigateway: mapApiGateway,
  apigatewayv2: mapApiGatewayV2,
  apigatewaymanagementapi: mapApiGatewayManagement,
  sts: mapSts,
  iam: mapIam,
  s3: mapS3,
  events: mapEvents,
  "cognito-idp": mapCognitoIdp,
  "cognito-identity": mapCognitoIdentity,
};

/** IAM is global: AWS serves it from us-east-1, which is what aws:RequestedRegion says for its calls. */
const GLOBAL_SERVICES = new Set(["iam"]);

/**
 * The global condition keys of a request (lower-cased): time, transport, source address, region and what
 * the caller is. evaluate() derives the caller keys by itself too; they are here for SimulatePolicy-style
 * callers that show the context.
 */
export function globalContext(env: AuthorizationEnv, service?: string): Record<string, ConditionValue> {
  const now = env.clock ? env.clock.now() : env.now ?? Date.now();
  const seconds = Math.floor(now / 1000);
  const ctx: Record<string, ConditionValue> = {
    "aws:currenttime": isoSeconds(seconds),
    "aws:epochtime": seconds,
    "aws:securetransport": env.secureTransport ?? false,
    "aws:requestedregion": service && GLOBAL_SERVICES.has(service) ? "us-east-1" : env.region,
    "aws:viaawsservice": false,
    "aws:principalisawsservice": false,
  };
  if (env.sourceIp) ctx["aws:sourceip"] = env.sourceIp.startsWith("::ffff:") ? env.sourceIp.slice(7) : env.sourceIp;
  const c = env.caller;
  if (c) {
    ctx["aws:principalarn"] = c.principalArn;
    ctx["aws:principalaccount"] = c.accountId;
    ctx["aws:userid"] = c.userId;
    if (c.kind === "user") ctx["aws:username"] = c.arn.slice(c.arn.lastIndexOf("/") + 1);
    for (const [k, v] of Object.entries(c.principalTags)) ctx[`aws:principaltag/${k.toLowerCase()}`] = v;
  }
  if (env.resourceTags) for (const [k, v] of Object.entries(env.resourceTags)) ctx[`aws:resourcetag/${k.toLowerCase()}`] = v;
  return ctx;
}

// Formatting a date costs microseconds, more than the rest of an authorization: keep the last second's text.
let lastSecond = Number.NaN;
let lastIso = "";
function isoSeconds(seconds: number): string {
  if (seconds !== lastSecond) {
    lastSecond = seconds;
    lastIso = new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
  }
  return lastIso;
}

/** The IAM authorization a request needs (see `iamChecked` for operations IAM does not authorise). */
export function authorizationFor(service: string, operation: string, input: Record<string, unknown>, env: AuthorizationEnv): Authorization {
  // What the request itself adds (tags, the mappers' service keys); the global keys join it only when something
  // reads the context — a cached decision never does, and building them was a third of an authorization.
  const context: Record<string, ConditionValue> = {};
  const prefix = ACTION_PREFIX[service] ?? service;
  const mapper = MAPPERS[service];
  const mapperEnv: MapperEnv = { region: env.region, accountId: env.accountId, context };
  if (env.caller) mapperEnv.callerArn = env.caller.arn;
  if (env.partitionKeyOf) mapperEnv.partitionKeyOf = env.partitionKeyOf;
  const data = (input ?? {}) as Input;
  if (operation.startsWith("Untag")) addTagKeys(data.TagKeys ?? data.tagKeys ?? data.keys, context);
  else addRequestTags(data, context);
  const mapped = mapper ? mapper(operation, data, mapperEnv) : { resources: ["*"] };
  const action = mapped?.action ?? `${prefix}:${operation}`;
  const resources = mapped?.resources.length ? mapped.resources : ["*"];
  const checks: AuthorizationCheck[] = [{ action, resources }, ...(mapped?.extra ?? [])];
  let merged: Record<string, ConditionValue> | undefined;
  return {
    action, resources, checks, iamChecked: mapped !== undefined,
    get context() {
      return (merged ??= Object.assign(globalContext(env, service), context));
    },
  };
}
