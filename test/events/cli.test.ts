/**
 * The key EventBridge flows through the real aws CLI (v1), as the s3-events acceptance checks run them: a
 * Python function invoked by a rule with an input transformer given in the CLI's shorthand, a numeric
 * pattern that must not match the wrong event, test-event-pattern, and a CLI error.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const run = promisify(execFile);
let server: TestServer;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
});
after(() => server.stop());

const aws = async (...args: string[]) => {
  const { stdout } = await run("aws", ["events", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  return stdout.trim() ? JSON.parse(stdout) : {};
};

const PY = `import json
def handler(event, context):
    print("EVENT " + json.dumps(event))
    return {"ok": True}
`;

test("PutTargets: aws events put-targets with an InputTransformer in shorthand; a numeric rule from put-events invokes the function", async () => {
  const lambda = new LambdaClient(server.clientConfig);
  const name = uniqueName("h");
  const { FunctionArn } = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "python3.12", Role: "arn:aws:iam::000000000000:role/r", Handler: "h.handler", Code: { ZipFile: zipSync({ "h.py": strToU8(PY) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const created = uniqueName("created");
  await aws("put-rule", "--name", created, "--event-pattern", '{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"object":{"key":[{"prefix":"eb/"}]}}}');
  const t = await aws("put-targets", "--rule", created, "--targets", `Id=1,Arn=${FunctionArn},InputTransformer={InputPathsMap={k=$.detail.object.key},InputTemplate='{"via":"eventbridge","key":<k>}'}`);
  assert.equal(t.FailedEntryCount, 0);
  const custom = uniqueName("custom");
  await aws("put-rule", "--name", custom, "--event-pattern", '{"source":["my.app"],"detail":{"n":[{"numeric":[">",5]}]}}');
  await aws("put-targets", "--rule", custom, "--targets", `Id=1,Arn=${FunctionArn}`);
  const put = await aws("put-events", "--entries", JSON.stringify([
    { Source: "my.app", DetailType: "t", Detail: '{"n":9,"tag":"big-n"}' },
    { Source: "my.app", DetailType: "t", Detail: '{"n":1,"tag":"small-n"}' },
    { Source: "aws.s3", DetailType: "Object Created", Detail: '{"object":{"key":"eb/one.txt"}}' },
  ]));
  assert.equal(put.FailedEntryCount, 0);
  const logs = new CloudWatchLogsClient(server.clientConfig);
  let lines: string[] = [];
  for (let i = 0; i < 400 && lines.length < 2; i++) {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: '"EVENT "' })).catch(() => ({ events: [] }));
    lines = (out.events ?? []).map((e) => e.message!.trim());
    if (lines.length < 2) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(lines.some((l) => l.includes('{"via": "eventbridge", "key": "eb/one.txt"}')), lines.join("\n"));
  assert.ok(lines.some((l) => l.includes("big-n")));
  assert.ok(!lines.some((l) => l.includes("small-n")));
  const rules = await aws("list-rule-names-by-target", "--target-arn", FunctionArn!);
  assert.deepEqual(rules.RuleNames.sort(), [created, custom].sort());
});

test("TestEventPattern: aws events test-event-pattern answers True and False", async () => {
  const event = JSON.stringify({ id: "1", account: "000000000000", source: "my.app", time: "2026-01-01T00:00:00Z", region: "us-east-1", resources: [], "detail-type": "x", detail: {} });
  assert.equal((await aws("test-event-pattern", "--event-pattern", '{"source":[{"prefix":"my."}]}', "--event", event)).Result, true);
  assert.equal((await aws("test-event-pattern", "--event-pattern", '{"source":[{"anything-but":{"prefix":"my."}}]}', "--event", event)).Result, false);
});

test("DescribeRule: aws events describe-rule of a missing rule prints AWS's error", async () => {
  try {
    await aws("describe-rule", "--name", "no-such-rule");
    assert.fail("the command succeeded");
  } catch (e) {
    assert.match((e as { stderr: string }).stderr, /ResourceNotFoundException.*Rule no-such-rule does not exist on EventBus default\./);
  }
});
