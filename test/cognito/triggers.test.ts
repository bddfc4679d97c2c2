import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import {
  AdminConfirmSignUpCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand, SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { decodeJwt } from "jose";
import { startCognitoServer, type CognitoTestServer } from "./helpers.js";
import { createLambdaRoles } from "../helpers/iam.js";

// One function for every trigger: it remembers the sources it saw (the environment stays warm between calls)
// and reports them, with parts of the event, as claims of the ID token.
const HANDLER = `
const seen = [];
export const handler = async (event) => {
  seen.push(event.triggerSource);
  const email = event.request.userAttributes.email ?? "";
  switch (event.triggerSource) {
    case "PreSignUp_SignUp":
      if (email.endsWith("@blocked.example")) throw new Error("domain not allowed");
      if (event.request.validationData?.auto === "yes") { event.response.autoConfirmUser = true; event.response.autoVerifyEmail = true; }
      break;
    case "PostConfirmation_ConfirmSignUp":
      if (email.startsWith("fail")) throw new Error("post confirmation said no");
      break;
    case "PreAuthentication_Authentication":
      if (event.request.userAttributes["custom:locked"] === "yes") throw new Error("account locked");
      break;
    case "CustomMessage_SignUp":
      event.response.emailMessage = "Welcome! Your code is " + event.request.codeParameter;
      event.response.emailSubject = "Welcome";
      break;
    default:
      if (event.triggerSource.startsWith("TokenGeneration_")) {
        event.response.claimsOverrideDetails = {
          claimsToAddOrOverride: { seen: seen.join(","), pool: event.userPoolId, client: event.callerContext.clientId, groups: JSON.stringify(event.request.groupConfiguration.groupsToOverride) },
          claimsToSuppress: ["email_verified"],
        };
      }
  }
  return event;
};`;

let s: CognitoTestServer;
let poolId: string;
let clientId: string;
before(async () => {
  s = await startCognitoServer();
  await createLambdaRoles(s);
  const lambda = new LambdaClient(s.clientConfig);
  await lambda.send(new CreateFunctionCommand({
    FunctionName: "cognito-triggers", Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipSync({ "index.mjs": strToU8(HANDLER) }) }, Timeout: 10,
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 } as never, { FunctionName: "cognito-triggers" });
  const arn = "arn:aws:lambda:us-east-1:000000000000:function:cognito-triggers";
  poolId = (await s.cognito.send(new CreateUserPoolCommand({
    PoolName: "triggers", AutoVerifiedAttributes: ["email"],
    Schema: [{ Name: "locked", AttributeDataType: "String" }],
    LambdaConfig: { PreSignUp: arn, PostConfirmation: arn, PreAuthentication: arn, PostAuthentication: arn, PreTokenGeneration: arn, CustomMessage: arn },
  }))).UserPool!.Id!;
  clientId = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "c", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"] }))).UserPoolClient!.ClientId!;
});
after(() => s.stop());

const PASSWORD = "Passw0rd!Passw0rd";

test("SignUp: PreSignUp can refuse a sign-up (UserLambdaValidationException) or auto-confirm and auto-verify", async () => {
  await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "blocked", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "x@blocked.example" }] })), {
    name: "UserLambdaValidationException", message: "PreSignUp failed with error domain not allowed.",
  });
  const r = await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "auto", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "auto@example.com" }], ValidationData: [{ Name: "auto", Value: "yes" }] }));
  assert.equal(r.UserConfirmed, true);
  assert.equal(r.CodeDeliveryDetails, undefined);
  const t = (await s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "auto", PASSWORD } }))).AuthenticationResult!;
  const id = decodeJwt(t.IdToken!);
  // PreTokenGeneration's overrides: added claims, a suppressed one; the earlier triggers of this sign-in ran first.
  assert.equal(id.pool, poolId);
  assert.equal(id.client, clientId);
  assert.equal(id.groups, "[]");
  assert.equal(id.email_verified, undefined);
  assert.match(String(id.seen), /PreSignUp_SignUp,PostConfirmation_ConfirmSignUp,PreAuthentication_Authentication,PostAuthentication_Authentication,TokenGeneration_Authentication$/);
});

test("SignUp: CustomMessage shapes the confirmation message; PostConfirmation failing fails the confirmation", async () => {
  await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "failer", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "fail@example.com" }] }));
  const code = s.lastCode("failer")!;
  assert.ok(s.lines.some((l) => l.includes(`cognito: custom message for failer in ${poolId}: Welcome! Your code is ${code}`)));
  await assert.rejects(s.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: "failer" })), { name: "UserLambdaValidationException", message: "PostConfirmation failed with error post confirmation said no." });
});

test("InitiateAuth: PreAuthentication can refuse a sign-in", async () => {
  await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "locked", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "l@example.com" }, { Name: "custom:locked", Value: "yes" }], ValidationData: [{ Name: "auto", Value: "yes" }] }));
  await assert.rejects(s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "locked", PASSWORD } })), { name: "UserLambdaValidationException", message: "PreAuthentication failed with error account locked." });
});
