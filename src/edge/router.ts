/**
 * The AWS service router: which service an API call is for. Pure and table-tested (router.test.ts).
 * Rules, in this fixed priority:
 *   1. the SigV4 signing name of the credential scope (Authorization header or presigned query);
 *      a signing name shared by several services is narrowed by the rules below
 *   2. the X-Amz-Target prefix (json protocols)
 *   3. the host (`<service>.<region>.amazonaws.com`, `<service>.localhost`, `<bucket>.s3.<...>`)
 *   4. the path (`/2015-03-31/functions` → lambda, `/restapis` → apigateway, `/v2/apis` → apigatewayv2, ...)
 *   5. the query protocol's `Action` parameter (query string or form body)
 */

export interface RouteInput {
  host: string;
  path: string;
  signingName?: string;
  target?: string;
  action?: string;
}

const BY_SIGNING_NAME: Record<string, string[]> = {
  sts: ["sts"],
  dynamodb: ["dynamodb", "dynamodbstreams"],
  lambda: ["lambda"],
  logs: ["logs"],
  apigateway: ["apigateway", "apigatewayv2"],
  "execute-api": ["apigatewaymanagementapi"],
  s3: ["s3"],
  monitoring: ["cloudwatch"],
  batch: ["batch"],
  lightsail: ["lightsail"],
  events: ["events"],
  iam: ["iam"],
  "cognito-idp": ["cognito-idp"],
  "cognito-identity": ["cognito-identity"],
  cloudformation: ["cloudformation"],
  ecr: ["ecr"],
};

/** The AWS services Skyport serves, by their Skyport names (for messages). */
export const SERVED_SERVICES: readonly string[] = [...new Set(Object.values(BY_SIGNING_NAME).flat())].sort();

const BY_TARGET_PREFIX: Record<string, string> = {
  DynamoDB_20120810: "dynamodb",
  DynamoDBStreams_20120810: "dynamodbstreams",
  Logs_20140328: "logs",
  Lightsail_20161128: "lightsail",
  AWSEvents: "events",
  AWSCognitoIdentityProviderService: "cognito-idp",
  AWSCognitoIdentityService: "cognito-identity",
  GraniteServiceVersion20100801: "cloudwatch",
  AmazonEC2ContainerRegistry_V20150921: "ecr",
};

const BY_HOST_LABEL: Record<string, string> = {
  sts: "sts", dynamodb: "dynamodb", streams: "dynamodbstreams", lambda: "lambda", logs: "logs",
  apigateway: "apigateway", s3: "s3", monitoring: "cloudwatch", batch: "batch", lightsail: "lightsail",
  events: "events", iam: "iam", "cognito-idp": "cognito-idp", "cognito-identity": "cognito-identity", cloudformation: "cloudformation",
};

const BY_PATH: Array<[RegExp, string]> = [
  [/^\/(2015-03-31|2016-08-19|2017-03-31|2017-10-31|2018-10-31|2019-09-25|2019-09-30|2020-04-22|2020-06-30|2021-10-31)\//, "lambda"],
  [/^\/v2\/(apis|domainnames|vpclinks|tags|apimappings)/, "apigatewayv2"],
  [/^\/(restapis|apikeys|usageplans|domainnames|clientcertificates|vpclinks|account|sdktypes|tags\/arn:aws:apigateway)(\/|$)/, "apigateway"],
  [/^\/v1\/[a-z]+$/, "batch"],
];

/** Operations of the query-protocol services, for rule 5 (first service that has the action wins). */
export type ActionLookup = (action: string) => string | undefined;

export function routeService(input: RouteInput, actionLookup?: ActionLookup): string | undefined {
  let candidates = input.signingName ? BY_SIGNING_NAME[input.signingName] : undefined;
  if (candidates?.length === 1) return candidates[0];
  const narrow = (service: string | undefined) => (service && (!candidates || candidates.includes(service)) ? service : undefined);

  if (input.target) {
    const prefix = input.target.slice(0, input.target.indexOf("."));
    const s = narrow(BY_TARGET_PREFIX[prefix]);
    if (s) return s;
  }
  const host = input.host.toLowerCase().replace(/:\d+$/, "");
  const labels = host.split(".");
  // `{bucket}.s3.…` and `{bucket}.localhost` (a first label that names no service) are S3 virtual hosts.
  const bucketHost = (labels.includes("s3") && labels[0] !== "s3") || (labels.length >= 2 && labels[labels.length - 1] === "localhost" && !BY_HOST_LABEL[labels[0]!]);
  const hostService = narrow(bucketHost ? "s3" : BY_HOST_LABEL[labels[0]!]);
  if (hostService && labels.length > 1) return hostService;
  for (const [re, service] of BY_PATH) {
    if (re.test(input.path)) {
      const s = narrow(service);
      if (s) return s;
    }
  }
  if (input.action && actionLookup) {
    const s = narrow(actionLookup(input.action));
    if (s) return s;
  }
  return candidates?.[0];
}
