/**
 * Layers: published, listed, and visible to node (require) and python (import) functions as on AWS (/opt); a layer's
 * own copy of an SDK package wins over the provided SDK, with the sandbox and without it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, DeleteLayerVersionCommand, GetLayerVersionCommand, InvokeCommand, LambdaClient, ListLayersCommand, ListLayerVersionsCommand, PublishLayerVersionCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { hasBubblewrap } from "../../src/runtime/process-launcher.js";
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

/** A layer shipping its own @aws-sdk/client-dynamodb (as teams do to pin an SDK version) and a package of its own. */
const OWN_SDK_LAYER = {
  "nodejs/node_modules/@aws-sdk/client-dynamodb/package.json": JSON.stringify({ name: "@aws-sdk/client-dynamodb", version: "0.0.1", main: "index.js" }),
  "nodejs/node_modules/@aws-sdk/client-dynamodb/index.js": "exports.own = true;",
  "nodejs/node_modules/greet/index.js": "exports.greet = (n) => 'hi ' + n;",
};

for (const mode of ["off", "bubblewrap"]) {
  describe(`--lambda-sandbox ${mode}: a layer's SDK copy`, { skip: mode === "bubblewrap" && !hasBubblewrap() ? "bubblewrap (bwrap) cannot build the sandbox on this machine" : false }, () => {
    let own: TestServer;
    let client: LambdaClient;
    before(async () => {
      own = await startServer({ "lambda-sandbox": mode });
      await createLambdaRoles(own);
      client = new LambdaClient(own.clientConfig);
    });
    after(() => own.stop());

    test("wins over the provided SDK for require and for import; packages the layer lacks come from the provided SDK", async () => {
      const layer = await client.send(new PublishLayerVersionCommand({ LayerName: uniqueName("own-sdk"), Content: { ZipFile: zip(OWN_SDK_LAYER) } }));
      const sources = {
        cjs: { "index.js": 'const sdk = require("@aws-sdk/client-dynamodb");\nconst s3 = require("@aws-sdk/client-s3");\nconst { greet } = require("greet");\nexports.handler = async () => ({ own: sdk.own === true, s3: typeof s3.S3Client, greet: greet("you") });' },
        esm: { "index.mjs": 'import * as sdk from "@aws-sdk/client-dynamodb";\nimport { S3Client } from "@aws-sdk/client-s3";\nimport { greet } from "greet";\nexport const handler = async () => ({ own: sdk.own === true, s3: typeof S3Client, greet: greet("you") });' },
      };
      for (const [kind, files] of Object.entries(sources)) {
        // The same code without the layer: the provided SDK (so a code directory shared by both stays right for each).
        const plain = uniqueName(`plain-${kind}`);
        const layered = uniqueName(`layered-${kind}`);
        const plainFiles = { ...files, [Object.keys(files)[0]!]: Object.values(files)[0]!.replace(/const \{ greet \} = require\("greet"\);\n|import \{ greet \} from "greet";\n/, "").replace('greet("you")', '"-"') };
        await client.send(new CreateFunctionCommand({ FunctionName: layered, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Layers: [layer.LayerVersionArn!], Code: { ZipFile: zip(files) } }));
        await client.send(new CreateFunctionCommand({ FunctionName: plain, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zip(plainFiles) } }));
        for (const f of [layered, plain]) await waitUntilFunctionActiveV2({ client, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: f });
        const out = async (f: string) => JSON.parse(Buffer.from((await client.send(new InvokeCommand({ FunctionName: f }))).Payload!).toString()) as unknown;
        assert.deepEqual(await out(layered), { own: true, s3: "function", greet: "hi you" }, `${kind} with the layer`);
        assert.deepEqual(await out(plain), { own: false, s3: "function", greet: "-" }, `${kind} without the layer`);
      }
    });
  });
}
