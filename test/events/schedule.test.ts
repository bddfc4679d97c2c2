/** Scheduled rules on a fake clock: rate() and cron() rules fire their targets with the scheduled event; disabled rules do not. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { DisableRuleCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ManualClock } from "../../src/core/clock.js";
import type { EventsProvider } from "../../src/services/events/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const START = Date.UTC(2026, 2, 2, 9, 58, 30); // Monday 2026-03-02 09:58:30 UTC
let server: TestServer;
let eb: EventBridgeClient;
let clock: ManualClock;
let provider: EventsProvider;
let fnArn: string;

before(async () => {
  clock = new ManualClock(START);
  server = await startServer({}, { clock });
  await createLambdaRoles(server);
  eb = new EventBridgeClient(server.clientConfig);
  const lambda = new LambdaClient(server.clientConfig);
  const name = uniqueName("tick");
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8('exports.handler = async (e) => { console.log("EVENT " + JSON.stringify(e)); };') }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  fnArn = out.FunctionArn!;
  provider = (await server.skyport.services.get("events")) as unknown as EventsProvider;
});
after(() => server.stop());

async function events(count: number): Promise<Array<Record<string, unknown>>> {
  const logs = new CloudWatchLogsClient(server.clientConfig);
  let got: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 400; i++) {
    await provider.deliverDue();
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fnArn.split(":").pop()}`, filterPattern: '"EVENT "' })).catch(() => ({ events: [] }));
    got = (out.events ?? []).map((e) => JSON.parse(e.message!.slice(e.message!.indexOf("EVENT ") + 6)));
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  return got;
}

test("PutRule: rate() and cron() rules fire on the clock with AWS's scheduled event shape", async () => {
  const rate = uniqueName("rate");
  const { RuleArn: rateArn } = await eb.send(new PutRuleCommand({ Name: rate, ScheduleExpression: "rate(5 minutes)" }));
  await eb.send(new PutTargetsCommand({ Rule: rate, Targets: [{ Id: "1", Arn: fnArn }] }));
  const cron = uniqueName("cron");
  const { RuleArn: cronArn } = await eb.send(new PutRuleCommand({ Name: cron, ScheduleExpression: "cron(0 10 ? * MON-FRI *)" }));
  await eb.send(new PutTargetsCommand({ Rule: cron, Targets: [{ Id: "1", Arn: fnArn, InputTransformer: { InputPathsMap: { t: "$.time" }, InputTemplate: '{"cron":<t>}' } }] }));
  const off = uniqueName("off");
  await eb.send(new PutRuleCommand({ Name: off, ScheduleExpression: "rate(1 minute)" }));
  await eb.send(new PutTargetsCommand({ Rule: off, Targets: [{ Id: "1", Arn: fnArn, Input: '{"off":true}' }] }));
  await eb.send(new DisableRuleCommand({ Name: off }));

  assert.equal(provider.fireSchedules(), 0, "nothing is due before the first period");
  clock.set(Date.UTC(2026, 2, 2, 10, 0, 0)); // 10:00 Monday: the cron fires
  assert.equal(provider.fireSchedules(), 1);
  clock.set(START + 5 * 60_000); // 10:03:30: the first rate period since creation
  assert.equal(provider.fireSchedules(), 1);
  assert.equal(provider.fireSchedules(), 0, "a fire happens once");

  const got = await events(2);
  assert.equal(got.length, 2);
  assert.deepEqual(got.find((g) => "cron" in g), { cron: "2026-03-02T10:00:00Z" });
  const scheduled = got.find((g) => g["detail-type"])!;
  assert.deepEqual({ ...scheduled, id: "x" }, {
    version: "0", id: "x", "detail-type": "Scheduled Event", source: "aws.events", account: "000000000000",
    time: "2026-03-02T10:03:30Z", region: "us-east-1", resources: [rateArn], detail: {},
  });
  assert.ok(cronArn);
  // The next cron fire is Tuesday 10:00, the next rate fire 10:08:30.
  clock.set(Date.UTC(2026, 2, 3, 9, 59, 0));
  assert.equal(provider.fireSchedules(), 1, "only the rate rule (its missed fires are not replayed)");
  clock.set(Date.UTC(2026, 2, 3, 10, 0, 0));
  assert.equal(provider.fireSchedules(), 1);
  assert.ok(!(await events(4)).some((g) => g.off), "a disabled rule does not fire");
});
