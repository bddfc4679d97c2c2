/** Resource policies, destinations and deliveries: stored and returned as AWS does (not enforced or acted on). */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateDeliveryCommand,
  DeleteDeliveryCommand,
  DeleteDeliveryDestinationCommand,
  DeleteDeliverySourceCommand,
  DeleteDestinationCommand,
  DeleteResourcePolicyCommand,
  DescribeDeliveriesCommand,
  DescribeDeliveryDestinationsCommand,
  DescribeDeliverySourcesCommand,
  DescribeDestinationsCommand,
  DescribeResourcePoliciesCommand,
  GetDeliveryCommand,
  GetDeliveryDestinationCommand,
  GetDeliverySourceCommand,
  PutDeliveryDestinationCommand,
  PutDeliverySourceCommand,
  PutDestinationCommand,
  PutDestinationPolicyCommand,
  PutResourcePolicyCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { logsClient, rejects } from "./helpers.js";

let server: TestServer;
let logs: CloudWatchLogsClient;
before(async () => {
  server = await startServer();
  logs = logsClient(server);
});
after(() => server.stop());

const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "route53.amazonaws.com" }, Action: ["logs:PutLogEvents"], Resource: "*" }] });

test("PutResourcePolicy: stored, listed, replaced and deleted", async () => {
  const name = uniqueName("pol");
  const put = await logs.send(new PutResourcePolicyCommand({ policyName: name, policyDocument: POLICY }));
  assert.equal(put.resourcePolicy?.policyName, name);
  assert.equal(put.resourcePolicy?.policyDocument, POLICY);
  assert.ok(put.resourcePolicy!.lastUpdatedTime! > 0);
  const replaced = JSON.stringify({ Version: "2012-10-17", Statement: [] });
  await logs.send(new PutResourcePolicyCommand({ policyName: name, policyDocument: replaced }));
  const listed = await logs.send(new DescribeResourcePoliciesCommand({}));
  assert.equal(listed.resourcePolicies?.find((p) => p.policyName === name)?.policyDocument, replaced);
  await logs.send(new DeleteResourcePolicyCommand({ policyName: name }));
  assert.equal((await logs.send(new DescribeResourcePoliciesCommand({}))).resourcePolicies?.some((p) => p.policyName === name), false);
  // Message as AWS answers it (aws/aws-cdk#12016).
  await rejects(logs.send(new DeleteResourcePolicyCommand({ policyName: name })), "ResourceNotFoundException", `Policy with name [${name}] does not exist.`);
  await rejects(logs.send(new PutResourcePolicyCommand({ policyName: name, policyDocument: "{not json" })), "InvalidParameterException");
});

test("PutResourcePolicy: at most 10 per Region (LimitExceededException)", async () => {
  const srv = await startServer();
  try {
    const c = logsClient(srv);
    for (let i = 0; i < 10; i++) await c.send(new PutResourcePolicyCommand({ policyName: `p${i}`, policyDocument: POLICY }));
    await rejects(c.send(new PutResourcePolicyCommand({ policyName: "p10", policyDocument: POLICY })), "LimitExceededException", "Resource limit exceeded.");
    const page = await c.send(new DescribeResourcePoliciesCommand({ limit: 4 }));
    assert.equal(page.resourcePolicies?.length, 4);
    const rest = await c.send(new DescribeResourcePoliciesCommand({ limit: 50, nextToken: page.nextToken }));
    assert.equal(rest.resourcePolicies?.length, 6);
    assert.equal(rest.nextToken, undefined);
  } finally {
    await srv.stop();
  }
});

test("PutDestination: ARN, creation time, access policy; Describe by prefix; Delete", async () => {
  const name = uniqueName("dest");
  const d = await logs.send(new PutDestinationCommand({ destinationName: name, targetArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", roleArn: "arn:aws:iam::000000000000:role/r" }));
  assert.equal(d.destination?.arn, `arn:aws:logs:us-east-1:000000000000:destination:${name}`);
  assert.equal(d.destination?.targetArn, "arn:aws:kinesis:us-east-1:000000000000:stream/s");
  assert.ok(d.destination!.creationTime! > 0);
  await logs.send(new PutDestinationPolicyCommand({ destinationName: name, accessPolicy: POLICY }));
  const listed = await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: name }));
  assert.equal(listed.destinations?.length, 1);
  assert.equal(listed.destinations![0]!.accessPolicy, POLICY);
  assert.equal(listed.destinations![0]!.creationTime, d.destination!.creationTime);
  await logs.send(new DeleteDestinationCommand({ destinationName: name }));
  assert.deepEqual((await logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: name }))).destinations, []);
  await rejects(logs.send(new DeleteDestinationCommand({ destinationName: name })), "ResourceNotFoundException");
});

test("CreateDelivery: delivery source + delivery destination → delivery; Get/Describe/Delete in AWS's order", async () => {
  const src = uniqueName("src").replace(/[^\w-]/g, "");
  const dst = uniqueName("dst").replace(/[^\w-]/g, "");
  const s = await logs.send(new PutDeliverySourceCommand({ name: src, resourceArn: "arn:aws:bedrock:us-east-1:000000000000:knowledge-base/KB1", logType: "APPLICATION_LOGS" }));
  assert.deepEqual(s.deliverySource, { name: src, arn: `arn:aws:logs:us-east-1:000000000000:delivery-source:${src}`, resourceArns: ["arn:aws:bedrock:us-east-1:000000000000:knowledge-base/KB1"], service: "bedrock", logType: "APPLICATION_LOGS" });
  const d = await logs.send(new PutDeliveryDestinationCommand({ name: dst, outputFormat: "json", deliveryDestinationConfiguration: { destinationResourceArn: "arn:aws:logs:us-east-1:000000000000:log-group:/vended" } }));
  assert.equal(d.deliveryDestination?.deliveryDestinationType, "CWL");
  assert.equal(d.deliveryDestination?.arn, `arn:aws:logs:us-east-1:000000000000:delivery-destination:${dst}`);

  const created = await logs.send(new CreateDeliveryCommand({ deliverySourceName: src, deliveryDestinationArn: d.deliveryDestination!.arn! }));
  const id = created.delivery!.id!;
  assert.match(id, /^[A-Za-z0-9]{16}$/);
  assert.equal(created.delivery?.arn, `arn:aws:logs:us-east-1:000000000000:delivery:${id}`);
  assert.equal(created.delivery?.deliveryDestinationType, "CWL");
  await rejects(logs.send(new CreateDeliveryCommand({ deliverySourceName: src, deliveryDestinationArn: d.deliveryDestination!.arn! })), "ConflictException");
  assert.deepEqual((await logs.send(new GetDeliveryCommand({ id }))).delivery, created.delivery);
  assert.equal((await logs.send(new GetDeliverySourceCommand({ name: src }))).deliverySource?.logType, "APPLICATION_LOGS");
  assert.equal((await logs.send(new GetDeliveryDestinationCommand({ name: dst }))).deliveryDestination?.outputFormat, "json");
  assert.ok((await logs.send(new DescribeDeliveriesCommand({}))).deliveries?.some((x) => x.id === id));
  assert.ok((await logs.send(new DescribeDeliverySourcesCommand({}))).deliverySources?.some((x) => x.name === src));
  assert.ok((await logs.send(new DescribeDeliveryDestinationsCommand({}))).deliveryDestinations?.some((x) => x.name === dst));

  // In use: the source and destination cannot go before the delivery.
  await rejects(logs.send(new DeleteDeliverySourceCommand({ name: src })), "ConflictException");
  await rejects(logs.send(new DeleteDeliveryDestinationCommand({ name: dst })), "ConflictException");
  await logs.send(new DeleteDeliveryCommand({ id }));
  await logs.send(new DeleteDeliverySourceCommand({ name: src }));
  await logs.send(new DeleteDeliveryDestinationCommand({ name: dst }));
  await rejects(logs.send(new GetDeliveryCommand({ id })), "ResourceNotFoundException");
  await rejects(logs.send(new CreateDeliveryCommand({ deliverySourceName: src, deliveryDestinationArn: d.deliveryDestination!.arn! })), "ResourceNotFoundException");
});
