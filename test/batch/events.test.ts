/**
 * "Batch Job State Change" events reach the default event bus (counted by an archive whose pattern selects
 * them): one per status a job passes through.
 */
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, RegisterJobDefinitionCommand, SubmitJobCommand } from "@aws-sdk/client-batch";
import { CreateArchiveCommand, DescribeArchiveCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { until } from "./helpers.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

test("SubmitJob: each status change is a Batch Job State Change event on the default bus", async () => {
  const batch = new BatchClient(server.clientConfig);
  const events = new EventBridgeClient(server.clientConfig);
  await events.send(new CreateArchiveCommand({ ArchiveName: "batch-states", EventSourceArn: "arn:aws:events:us-east-1:000000000000:event-bus/default", EventPattern: JSON.stringify({ source: ["aws.batch"], "detail-type": ["Batch Job State Change"], detail: { jobName: ["watched"] } }) }));
  await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: "ev-ce", type: "UNMANAGED", state: "DISABLED" }));
  const q = await batch.send(new CreateJobQueueCommand({ jobQueueName: "ev-q", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: "ev-ce" }] }));
  await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "ev", type: "container", containerProperties: { image: "busybox", command: ["true"], vcpus: 1, memory: 32 } }));
  await batch.send(new SubmitJobCommand({ jobName: "watched", jobQueue: q.jobQueueArn, jobDefinition: "ev" }));
  // SUBMITTED, PENDING, RUNNABLE (the environment is DISABLED: it waits there).
  const a = await until(() => events.send(new DescribeArchiveCommand({ ArchiveName: "batch-states" })), (r) => (r.EventCount ?? 0) >= 3, "3 archived events");
  assert.equal(a.EventCount, 3);
});
