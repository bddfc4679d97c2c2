import assert from "node:assert/strict";
import { test } from "node:test";
import { routeService, type RouteInput } from "./router.js";

const actions: Record<string, string> = { GetCallerIdentity: "sts", CreateRole: "iam", PutMetricData: "cloudwatch", CreateStack: "cloudformation" };
const lookup = (a: string) => actions[a];

// [case, input, expected service]
const CASES: Array<[string, Partial<RouteInput>, string | undefined]> = [
  ["signing name alone decides", { signingName: "lambda", path: "/anything" }, "lambda"],
  ["signing name beats a conflicting path", { signingName: "sts", path: "/2015-03-31/functions" }, "sts"],
  ["dynamodb signing name + DynamoDB target", { signingName: "dynamodb", target: "DynamoDB_20120810.PutItem" }, "dynamodb"],
  ["dynamodb signing name + Streams target", { signingName: "dynamodb", target: "DynamoDBStreams_20120810.GetRecords" }, "dynamodbstreams"],
  ["dynamodb signing name, no target: first candidate", { signingName: "dynamodb" }, "dynamodb"],
  ["apigateway signing name + /v2 path → v2", { signingName: "apigateway", path: "/v2/apis" }, "apigatewayv2"],
  ["apigateway signing name + /restapis → v1", { signingName: "apigateway", path: "/restapis/abc/resources" }, "apigateway"],
  ["monitoring signing name is CloudWatch", { signingName: "monitoring" }, "cloudwatch"],
  ["execute-api signing name is the management API", { signingName: "execute-api", path: "/dev/@connections/x" }, "apigatewaymanagementapi"],
  ["target alone (unsigned)", { target: "Logs_20140328.PutLogEvents" }, "logs"],
  ["CloudWatch JSON target", { target: "GraniteServiceVersion20100801.PutMetricData" }, "cloudwatch"],
  ["Cognito identity pools: unsigned target (GetId)", { target: "AWSCognitoIdentityService.GetId" }, "cognito-identity"],
  ["Cognito user pools: unsigned target (SignUp)", { target: "AWSCognitoIdentityProviderService.SignUp" }, "cognito-idp"],
  ["cognito-identity signing name", { signingName: "cognito-identity" }, "cognito-identity"],
  ["target does not override a signing name it conflicts with", { signingName: "lambda", target: "Logs_20140328.PutLogEvents" }, "lambda"],
  ["host: regional endpoint", { host: "sqs.us-east-1.amazonaws.com" }, undefined],
  ["host: lambda.us-east-1.amazonaws.com", { host: "lambda.us-east-1.amazonaws.com", path: "/x" }, "lambda"],
  ["host: streams.dynamodb", { host: "streams.dynamodb.us-east-1.amazonaws.com" }, "dynamodbstreams"],
  ["host: S3 virtual host", { host: "my-bucket.s3.localhost:4566", path: "/key" }, "s3"],
  ["host: {bucket}.localhost is an S3 virtual host", { host: "my-bucket.localhost:4566", path: "/key" }, "s3"],
  ["host: dotted bucket under .s3.localhost", { host: "a.b.s3.localhost", path: "/" }, "s3"],
  ["host: s3.localhost", { host: "s3.localhost:4566", path: "/bucket/key" }, "s3"],
  ["host with port", { host: "sts.localhost:4566" }, "sts"],
  ["plain localhost host decides nothing", { host: "localhost:4566", path: "/" }, undefined],
  ["path: lambda API version prefix", { path: "/2015-03-31/functions/f/invocations" }, "lambda"],
  ["path: lambda URL config", { path: "/2021-10-31/functions/f/url" }, "lambda"],
  ["path: API Gateway v1", { path: "/restapis" }, "apigateway"],
  ["path: API Gateway v1 api keys", { path: "/apikeys/k" }, "apigateway"],
  ["path: API Gateway v2", { path: "/v2/apis/abc/routes" }, "apigatewayv2"],
  ["path: Batch", { path: "/v1/submitjob" }, "batch"],
  ["Action: STS", { action: "GetCallerIdentity" }, "sts"],
  ["Action: IAM", { action: "CreateRole" }, "iam"],
  ["Action: unknown", { action: "Nope" }, undefined],
  ["signing name narrows Action", { signingName: "iam", action: "GetCallerIdentity" }, "iam"],
  ["path rule beats Action", { path: "/restapis", action: "GetCallerIdentity" }, "apigateway"],
];

for (const [name, input, expected] of CASES) {
  test(`routeService: ${name}`, () => {
    assert.equal(routeService({ host: "localhost", path: "/", ...input }, lookup), expected);
  });
}
