/** Layers: published, listed, and visible to node (require) and python (import) functions as on AWS (/opt). */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, DeleteLayerVersionCommand, GetLayerVersionCommand, InvokeCommand, LambdaClient, ListLayersCommand, ListLayerVersionsCommand, PublishLayerVersionCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));

test("PublishLayerVersion: versions count up; the layer's packages load in node and python functions", async () => {
  const layerName = uniqueName("libs");
  const v1 = await lambda.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: { ZipFile: zip({ "nodejs/node_modules/greet/index.js": "module.exports = (n) => 'hi ' + n + ' v1';", "python/greetpy.py": "def greet(n):\n    return 'py ' + n\n" }) }, CompatibleRuntimes: ["nodejs20.x", "python3.12"] }));
  assert.equal(v1.Version, 1);
  assert.match(v1.LayerVersionArn!, new RegExp(`^arn:aws:lambda:us-east-1:000000000000:layer:${layerName}:1$`));
  const v2 = await lambda.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: { ZipFile: zip({ "nodejs/node_modules/greet/index.js": "module.exports = (n) => 'hi ' + n + ' v2';" }) } }));
  assert.equal(v2.Version, 2);
  assert.equal((await lambda.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 }))).Content?.CodeSize, v1.Content?.CodeSize);
  assert.deepEqual((await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions?.map((v) => v.Version), [2, 1]);
  assert.equal((await lambda.send(new ListLayersCommand({}))).Layers?.find((l) => l.LayerName === layerName)?.LatestMatchingVersion?.Version, 2);

  const nodeFn = uniqueName("uses-layer");
  await lambda.send(new CreateFunctionCommand({ FunctionName: nodeFn, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Layers: [v1.LayerVersionArn!], Code: { ZipFile: zip({ "index.js": "const greet = require('greet'); exports.handler = async () => greet('you');" }) } }));
  const pyFn = uniqueName("uses-layer-py");
  await lambda.send(new CreateFunctionCommand({ FunctionName: pyFn, Runtime: "python3.12", Role: "arn:aws:iam::000000000000:role/r", Handler: "app.handler", Layers: [v1.LayerVersionArn!], Code: { ZipFile: zip({ "app.py": "import greetpy\ndef handler(e, c):\n    return greetpy.greet('you')\n" }) } }));
  for (const f of [nodeFn, pyFn]) await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: f });
  const out = async (f: string) => JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: f }))).Payload!).toString());
  assert.equal(await out(nodeFn), "hi you v1");
  assert.equal(await out(pyFn), "py you");
  const missing = (await lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("x"), Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Layers: [`arn:aws:lambda:us-east-1:000000000000:layer:${layerName}:9`], Code: { ZipFile: zip({ "index.js": "" }) } })).catch((e: unknown) => e)) as Error;
  assert.equal(missing.name, "InvalidParameterValueException");
  await lambda.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: 2 }));
  assert.deepEqual((await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions?.map((v) => v.Version), [1]);
});
