/** Shared set-up for the CloudWatch Logs tests: a client, group/stream factories, error assertions. */
import assert from "node:assert/strict";
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand } from "@aws-sdk/client-cloudwatch-logs";
import { uniqueName, type TestServer } from "../helpers/skyport.js";

export const logsClient = (server: TestServer) => new CloudWatchLogsClient(server.clientConfig);

/** Creates a log group (and streams in it); returns the group name. */
export async function createGroup(logs: CloudWatchLogsClient, streams: string[] = [], name = `/skyport/${uniqueName("g")}`): Promise<string> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  for (const s of streams) await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: s }));
  return name;
}

/** Asserts that a promise rejects with an AWS error of this name and (exact) message. */
export async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
