/**
 * A job's role under --enforce-iam: Batch (ECS) assumes jobRoleArn as ecs-tasks.amazonaws.com through STS; the
 * job's credentials are that role's session and its calls are evaluated against the role's policies. A role that
 * does not exist or does not trust ecs-tasks.amazonaws.com fails the job with ECS's reason.
 */
import { BatchClient, RegisterJobDefinitionCommand, SubmitJobCommand, TerminateJobCommand } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient, ListTablesCommand, CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ociRunnerUnavailable } from "../../src/runtime/containers/oci-runner.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { busyboxOciArchive, jobsUnavailable } from "./busybox-image.js";
import { job, queue, until, waitFinished } from "./helpers.js";

const skip = jobsUnavailable(ociRunnerUnavailable());
const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

describe("Batch job roles under --enforce-iam", { skip }, () => {
  let server: TestServer;
  let batch: BatchClient;
  let iam: IAMClient;
  let dir: string;
  let image: string;
  let q: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "skyport-jobrole-"));
    await busyboxOciArchive(join(dir, "busy.tar"));
    image = `oci-archive:${join(dir, "busy.tar")}`;
    server = await startServer({ "enforce-iam": true });
    batch = new BatchClient(server.clientConfig);
    iam = new IAMClient(server.clientConfig);
    q = await queue(batch, uniqueName("q"));
  });
  after(async () => {
    batch?.destroy();
    iam?.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function submit(command: string, jobRoleArn: string): Promise<string> {
    const name = uniqueName("jd");
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: name, type: "container", containerProperties: { image, jobRoleArn, command: ["sh", "-c", command], resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "64" }] } }));
    return (await batch.send(new SubmitJobCommand({ jobName: "j", jobQueue: q, jobDefinition: name }))).jobId!;
  }

  test("SubmitJob: the job's credentials are its role's session, allowed what the role allows and denied the rest", async () => {
    const roleName = uniqueName("jr");
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust("ecs-tasks.amazonaws.com") }));
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "list", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "dynamodb:ListTables", Resource: "*" }] }) }));
    const id = await submit('echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN"; sleep 300', Role!.Arn!);
    const running = await until(() => job(batch, id), (j) => j.status === "RUNNING" || j.status === "FAILED", "the job to run");
    assert.equal(running.status, "RUNNING", JSON.stringify(running));
    const logs = new CloudWatchLogsClient(server.clientConfig);
    const out = await until(() => logs.send(new GetLogEventsCommand({ logGroupName: "/aws/batch/job", logStreamName: running.container!.logStreamName! })).catch(() => ({ events: [] })), (r) => (r.events?.length ?? 0) >= 1, "the job's credentials in its log");
    logs.destroy();
    const [accessKeyId, secretAccessKey, sessionToken] = out.events![0]!.message!.split(" ");
    const as = { ...server.clientConfig, credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken: sessionToken! } };
    const sts = new STSClient(as);
    const ddb = new DynamoDBClient(as);
    try {
      const who = await sts.send(new GetCallerIdentityCommand({}));
      assert.match(who.Arn!, new RegExp(`^arn:aws:sts::000000000000:assumed-role/${roleName}/[0-9a-f-]+$`));
      await ddb.send(new ListTablesCommand({}));
      await assert.rejects(
        ddb.send(new CreateTableCommand({ TableName: "x", AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" })),
        (e: Error) => e.name === "AccessDeniedException" && e.message.includes(`assumed-role/${roleName}/`) && e.message.includes("is not authorized to perform: dynamodb:CreateTable"),
      );
    } finally {
      sts.destroy();
      ddb.destroy();
      await batch.send(new TerminateJobCommand({ jobId: id, reason: "done" }));
      await waitFinished(batch, id);
    }
  });

  test("SubmitJob: a job role that ECS cannot assume fails the job with ECS's reason", async () => {
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: uniqueName("lr"), AssumeRolePolicyDocument: trust("lambda.amazonaws.com") }));
    for (const arn of [Role!.Arn!, "arn:aws:iam::000000000000:role/no-such-job-role"]) {
      const j = await waitFinished(batch, await submit("echo never", arn));
      assert.equal(j.status, "FAILED");
      assert.equal(j.statusReason, `ECS was unable to assume the role '${arn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`);
    }
  });
});
