/**
 * Issue 8 item 2: a deployed mapping template (and TestInvokeMethod) must not run code in Skyport.
 * The gadget chain that reached child_process through velocityjs is deployed with the real SDK; the
 * marker file its command would create must not appear, and the server keeps serving. Templates that
 * would loop or grow without bound answer AWS's 500 "Internal server error".
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateRestApiCommand, GetResourcesCommand, PutIntegrationCommand, PutIntegrationResponseCommand, PutMethodCommand,
  PutMethodResponseCommand, TestInvokeMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
let dir: string;

before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
  dir = mkdtempSync(join(tmpdir(), "vtl-sec-"));
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A MOCK GET / whose integration response renders `template`; returns the API id. */
async function mockApi(template: string, requestTemplate = '{"statusCode": 200}'): Promise<string> {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("vtl") }));
  const common = { restApiId: api.id!, resourceId: api.rootResourceId!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": requestTemplate } }));
  await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": template } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: "prod" }));
  return api.id!;
}

const gadget = (marker: string) =>
  '#set($g = $context.__lookupGetter__("__proto__"))#set($fp = $g.call($util.parseJson))#set($F = $fp.constructor)' +
  `$F.call($null, "return process.getBuiltinModule('child_process').execSync('touch ${marker}; id').toString()").call()`;

test("execute-api: the __lookupGetter__ gadget chain in a deployed response template runs nothing", async () => {
  const marker = join(dir, "DEPLOYED");
  const id = await mockApi(gadget(marker));
  const res = await fetch(`${server.endpoint}/_aws/execute-api/${id}/prod/`);
  const body = await res.text();
  assert.equal(existsSync(marker), false, "the template ran a shell command");
  assert.doesNotMatch(body, /uid=/);
  // The server is still up and serving.
  const again = await fetch(`${server.endpoint}/_aws/execute-api/${id}/prod/`);
  assert.equal(again.status, res.status);
});

test("TestInvokeMethod: the gadget chain in a request template runs nothing", async () => {
  const marker = join(dir, "TEST_INVOKE");
  const id = await mockApi("$input.body", `${gadget(marker)}\n{"statusCode": 200}`);
  const { items } = await apigw.send(new GetResourcesCommand({ restApiId: id }));
  const out = await apigw.send(new TestInvokeMethodCommand({ restApiId: id, resourceId: items!.find((x) => x.path === "/")!.id!, httpMethod: "GET" }));
  assert.equal(existsSync(marker), false, "the template ran a shell command");
  assert.equal(out.status, 200);
  assert.doesNotMatch(out.body ?? "", /uid=/);
});

test("execute-api: a template that loops or grows without bound answers 500 Internal server error, and the server stays up", async () => {
  for (const t of [
    "#foreach($a in [1..1000])#foreach($b in [1..1000])$a#end#end",
    '#set($s = "xxxxxxxxxxxxxxxx")#foreach($i in [1..64])#set($s = "$s$s")#end$s',
    "#macro(r)#r()#end#r()",
  ]) {
    const id = await mockApi(t);
    const res = await fetch(`${server.endpoint}/_aws/execute-api/${id}/prod/`);
    assert.equal(res.status, 500, t);
    assert.deepEqual(await res.json(), { message: "Internal server error" });
  }
  const ok = await mockApi('{"n": $input.params().size(), "s": "$context.stage"}');
  const res = await fetch(`${server.endpoint}/_aws/execute-api/${ok}/prod/`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { n: 3, s: "prod" });
});

test("TestInvokeMethod: an over-budget template answers 500 and the execution log says why", async () => {
  const id = await mockApi("#foreach($a in [1..1000])#foreach($b in [1..1000])$a#end#end");
  const { items } = await apigw.send(new GetResourcesCommand({ restApiId: id }));
  const out = await apigw.send(new TestInvokeMethodCommand({ restApiId: id, resourceId: items!.find((x) => x.path === "/")!.id!, httpMethod: "GET" }));
  assert.equal(out.status, 500);
  assert.match(out.log ?? "", /Execution failed due to configuration error: Unable to transform request or response: template exceeded/);
});
