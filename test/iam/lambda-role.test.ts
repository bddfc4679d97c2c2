import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { zipSync, strToU8 } from "fflate";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { LAMBDA_TRUST } from "../helpers/iam.js";

let server: TestServer;
let iam: IAMClient;
let lambda: LambdaClient;
const dir = mkdtempSync(join(tmpdir(), "skyport-role-"));
before(async () => {
  server = await startServer({ "enforce-iam": true }); // the role check applies when identity is enforced
  iam = new IAMClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const code = { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async () => 'ok';") }) };
const fails = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode?: number } };

test("CreateFunction: the role → function flow as Terraform runs it (GetRole miss, CreateRole, attach, read back, CreateFunction)", async () => {
  const name = uniqueName("tf");
  // Terraform's aws_iam_role reads before it creates: the miss is NoSuchEntity.
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: name })), NoSuchEntityException);
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST, Tags: [{ Key: "managed-by", Value: "terraform" }] }));
  await iam.send(new GetRoleCommand({ RoleName: name }));
  await iam.send(new ListRolePoliciesCommand({ RoleName: name }));
  await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }));
  const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: Role!.Arn, Handler: "index.handler", Code: code }));
  assert.equal(fn.Role, Role!.Arn);
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const out = await lambda.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(Buffer.from(out.Payload!).toString(), '"ok"');
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration!.Role, Role!.Arn);
});

test("CreateFunction: a role that does not exist is InvalidParameterValueException", async () => {
  const e = await fails(lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("nr"), Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/does-not-exist", Handler: "index.handler", Code: code })));
  assert.equal(e.name, "InvalidParameterValueException");
  assert.equal(e.message, "The role defined for the function cannot be assumed by Lambda.");
  assert.equal(e.$metadata.httpStatusCode, 400);
});

test("CreateFunction: a role whose trust policy does not allow lambda.amazonaws.com is refused", async () => {
  const name = uniqueName("ec2");
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST.replace("lambda.amazonaws.com", "ec2.amazonaws.com") }));
  const e = await fails(lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: Role!.Arn, Handler: "index.handler", Code: code })));
  assert.equal(e.name, "InvalidParameterValueException");
  // A path in the ARN must match the role's own.
  const { Role: withPath } = await iam.send(new CreateRoleCommand({ RoleName: uniqueName("p"), Path: "/svc/", AssumeRolePolicyDocument: LAMBDA_TRUST }));
  const wrongPath = withPath!.Arn!.replace("/svc/", "/");
  assert.equal((await fails(lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("p"), Runtime: "nodejs20.x", Role: wrongPath, Handler: "index.handler", Code: code })))).name, "InvalidParameterValueException");
  await lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("p"), Runtime: "nodejs20.x", Role: withPath!.Arn, Handler: "index.handler", Code: code }));
});

test("lambda create-function: through the aws CLI, after iam create-role", async () => {
  const run = promisify(execFile);
  const zip = join(dir, "f.zip");
  writeFileSync(zip, code.ZipFile);
  const role = uniqueName("cli");
  const ep = ["--endpoint-url", server.endpoint, "--output", "json"];
  const refused = await run("aws", ["lambda", "create-function", "--function-name", role, "--runtime", "nodejs20.x", "--handler", "index.handler", "--role", `arn:aws:iam::000000000000:role/${role}`, "--zip-file", `fileb://${zip}`, ...ep], { env: cliEnv() }).catch((x: { stderr: string }) => x);
  assert.match((refused as { stderr: string }).stderr, /InvalidParameterValueException.*cannot be assumed by Lambda/);
  await run("aws", ["iam", "create-role", "--role-name", role, "--assume-role-policy-document", LAMBDA_TRUST, ...ep], { env: cliEnv() });
  const { stdout } = await run("aws", ["lambda", "create-function", "--function-name", role, "--runtime", "nodejs20.x", "--handler", "index.handler", "--role", `arn:aws:iam::000000000000:role/${role}`, "--zip-file", `fileb://${zip}`, ...ep], { env: cliEnv() });
  assert.equal(JSON.parse(stdout).Role, `arn:aws:iam::000000000000:role/${role}`);
});
