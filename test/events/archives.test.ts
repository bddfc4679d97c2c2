/** Archives and replays through the SDK: events kept per pattern, counted, replayed with replay-name to the bus's rules. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateArchiveCommand, CreateEventBusCommand, DeleteArchiveCommand, DescribeArchiveCommand, DescribeReplayCommand, EventBridgeClient, ListArchivesCommand,
  ListReplaysCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, StartReplayCommand,
} from "@aws-sdk/client-eventbridge";
import type { EventsProvider } from "../../src/services/events/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { rejects } from "./helpers.js";

let server: TestServer;
let eb: EventBridgeClient;
before(async () => {
  server = await startServer();
  eb = new EventBridgeClient(server.clientConfig);
});
after(() => server.stop());

test("StartReplay: archived events go back to the bus's rules with replay-name", async () => {
  const bus = uniqueName("arch");
  const { EventBusArn } = await eb.send(new CreateEventBusCommand({ Name: bus }));
  const archive = uniqueName("a");
  const created = await eb.send(new CreateArchiveCommand({ ArchiveName: archive, EventSourceArn: EventBusArn, EventPattern: JSON.stringify({ source: ["keep"] }), RetentionDays: 1 }));
  assert.equal(created.ArchiveArn, `arn:aws:events:us-east-1:000000000000:archive/${archive}`);
  assert.equal(created.State, "ENABLED");
  await rejects(eb.send(new CreateArchiveCommand({ ArchiveName: archive, EventSourceArn: EventBusArn })), "ResourceAlreadyExistsException", `Archive ${archive} already exists.`);
  const before = new Date(Date.now() - 1000);
  await eb.send(new PutEventsCommand({ Entries: [
    { Source: "keep", DetailType: "t", Detail: '{"n":1}', EventBusName: bus },
    { Source: "drop", DetailType: "t", Detail: '{"n":2}', EventBusName: bus },
    { Source: "keep", DetailType: "t", Detail: '{"n":3}', EventBusName: bus },
  ] }));
  const d = await eb.send(new DescribeArchiveCommand({ ArchiveName: archive }));
  assert.equal(d.EventCount, 2);
  assert.ok(d.SizeBytes! > 0);
  assert.equal(d.RetentionDays, 1);
  assert.ok((await eb.send(new ListArchivesCommand({ NamePrefix: archive }))).Archives!.some((a) => a.ArchiveName === archive && a.EventCount === 2));

  // A rule added after the events were put sees them only through the replay. Its SQS target is dead-lettered
  // at once by Skyport, which records what reached it.
  const rule = uniqueName("late");
  await eb.send(new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify({ source: ["keep"] }) }));
  await eb.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: "q", Arn: "arn:aws:sqs:us-east-1:000000000000:q" }] }));
  const replay = uniqueName("r");
  const started = await eb.send(new StartReplayCommand({ ReplayName: replay, EventSourceArn: created.ArchiveArn, EventStartTime: before, EventEndTime: new Date(Date.now() + 60_000), Destination: { Arn: EventBusArn! } }));
  assert.equal(started.State, "STARTING");
  let state = "";
  for (let i = 0; i < 100 && state !== "COMPLETED"; i++) {
    state = (await eb.send(new DescribeReplayCommand({ ReplayName: replay }))).State!;
    if (state !== "COMPLETED") await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(state, "COMPLETED");
  const provider = (await server.skyport.services.get("events")) as unknown as EventsProvider;
  await provider.deliverDue();
  const replayed = provider.deadLetters("000000000000", "us-east-1").filter((x) => String(x.rule_arn).endsWith(rule)).map((x) => JSON.parse(String(x.event)));
  assert.deepEqual(replayed.map((e) => [e.detail.n, e["replay-name"]]).sort(), [[1, replay], [3, replay]]);
  // Replayed events are not archived again.
  assert.equal((await eb.send(new DescribeArchiveCommand({ ArchiveName: archive }))).EventCount, 2);
  assert.ok((await eb.send(new ListReplaysCommand({ NamePrefix: replay }))).Replays!.some((r) => r.ReplayName === replay && r.State === "COMPLETED"));
  await eb.send(new DeleteArchiveCommand({ ArchiveName: archive }));
  await rejects(eb.send(new DescribeArchiveCommand({ ArchiveName: archive })), "ResourceNotFoundException", `Archive ${archive} does not exist.`);
});
