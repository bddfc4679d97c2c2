/**
 * Layers: published, listed, and visible to node (require) and python (import) functions as on AWS (/opt); a layer's
 * own copy of an SDK package wins over the provided SDK, and a wrapper script under /var/task or /opt starts the runtime,
 * with the sandbox and without it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, DeleteLayerVersionCommand, GetLayerVersionCommand, InvokeCommand, LambdaClient, ListLayersCommand, ListLayerVersionsCommand, PublishLayerVersionCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2 } from "@aws-sdk/client-lambda";
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

test("DeleteLayerVersion: the version can no longer be read or added, functions using it keep it (a new environment, an update of their code), and its number is not given again", async () => {
  const layerName = uniqueName("kept");
  const v1 = await lambda.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: { ZipFile: zip({ "nodejs/node_modules/greet/index.js": "module.exports = (n) => 'hi ' + n + ' v1';" }) } }));
  const name = uniqueName("uses-deleted");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Layers: [v1.LayerVersionArn!], Code: { ZipFile: zip({ "index.js": "exports.handler = async () => require('greet')('you');" }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  await lambda.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 }));
  const gone = (await lambda.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 })).catch((e: unknown) => e)) as Error;
  assert.equal(gone.name, "ResourceNotFoundException");
  assert.deepEqual((await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions, []);
  assert.equal((await lambda.send(new ListLayersCommand({}))).Layers?.some((l) => l.LayerName === layerName), false);
  const refused = (await lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("x"), Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Layers: [v1.LayerVersionArn!], Code: { ZipFile: zip({ "index.js": "" }) } })).catch((e: unknown) => e)) as Error;
  assert.equal(refused.name, "InvalidParameterValueException");
  // The function still has it: after a code update (a new environment) its require still finds the layer's package.
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip({ "index.js": "exports.handler = async () => 'updated: ' + require('greet')('you');" }) }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  assert.equal(JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString()), "updated: hi you v1");
  const v2 = await lambda.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: { ZipFile: zip({ "x.txt": "2" }) } }));
  assert.equal(v2.Version, 2, "version 1's number is not given again");
});

test("250 MB unzipped for code and layers together: CreateFunction, UpdateFunctionConfiguration and UpdateFunctionCode refuse more with Lambda's error", async () => {
  // Zeros deflate about 1000:1, so these zips are small; only the layer is extracted (130 MB on disk, removed with the server's data).
  const bytes = (mb: number) => zipSync({ "blob.bin": new Uint8Array(mb * 1024 * 1024) }, { level: 1 });
  const layer = await lambda.send(new PublishLayerVersionCommand({ LayerName: uniqueName("big"), Content: { ZipFile: bytes(130) } }));
  const codeMb = 120;
  const total = (130 + codeMb) * 1024 * 1024; // 262,144,000 bytes is 250 MiB exactly: this much fits
  const expectTooLarge = async (p: Promise<unknown>, actual: number) => {
    const e = (await p.then(() => undefined, (x: unknown) => x)) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    assert.equal(e?.name, "InvalidParameterValueException", "refused");
    assert.equal(e?.$metadata?.httpStatusCode, 400);
    assert.equal(e?.message, `Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is ${actual} bytes.`);
  };
  const create = (name: string, zip: Uint8Array, layers: string[]) => lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Layers: layers, Code: { ZipFile: zip } }));
  // Exactly the limit is accepted; one byte more is not.
  const atLimit = uniqueName("at-limit");
  await create(atLimit, bytes(codeMb), [layer.LayerVersionArn!]);
  const over = zipSync({ "blob.bin": new Uint8Array(codeMb * 1024 * 1024 + 1) }, { level: 1 });
  await expectTooLarge(create(uniqueName("over"), over, [layer.LayerVersionArn!]), total + 1);
  // A small function gets the layer: fine; then code that would not fit with it.
  const small = uniqueName("small");
  await create(small, zip({ "index.js": "exports.handler = async () => 1;" }), []);
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: small });
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: small, Layers: [layer.LayerVersionArn!] }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: small });
  await expectTooLarge(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: small, ZipFile: over })), total + 1);
  // The function at the limit cannot take one more layer's bytes.
  const tiny = await lambda.send(new PublishLayerVersionCommand({ LayerName: uniqueName("tiny"), Content: { ZipFile: zip({ "x.txt": "12345" }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: atLimit });
  await expectTooLarge(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: atLimit, Layers: [layer.LayerVersionArn!, tiny.LayerVersionArn!] })), total + 5);
});

/** A layer shipping its own @aws-sdk/client-dynamodb (as teams do to pin an SDK version) and a package of its own. */
const OWN_SDK_LAYER = {
  "nodejs/node_modules/@aws-sdk/client-dynamodb/package.json": JSON.stringify({ name: "@aws-sdk/client-dynamodb", version: "0.0.1", main: "index.js" }),
  "nodejs/node_modules/@aws-sdk/client-dynamodb/index.js": "exports.own = true;",
  "nodejs/node_modules/greet/index.js": "exports.greet = (n) => 'hi ' + n;",
};

for (const mode of ["off", "bubblewrap"]) {
  describe(`--lambda-sandbox ${mode}: layers at /opt`, { skip: mode === "bubblewrap" && !hasBubblewrap() ? "bubblewrap (bwrap) cannot build the sandbox on this machine" : false }, () => {
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

    test("provided.al2023: a runtime in a layer (/opt/bootstrap) runs when the code has no bootstrap; the code's own wins", async () => {
      const runtime = (tag: string): [Uint8Array, { attrs: number }] => [strToU8(`#!/bin/sh
while true; do
  H=$(mktemp); curl -sS -D "$H" -o /tmp/ev-$$ "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$H" | tr -d '\\r' | cut -d' ' -f2)
  curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response" -d "{\\"runtime\\":\\"${tag}\\",\\"handler\\":\\"$(cat $LAMBDA_TASK_ROOT/handler.txt)\\"}" >/dev/null
done
`), { attrs: 0o755 << 16 }];
      const layer = await client.send(new PublishLayerVersionCommand({ LayerName: uniqueName("runtime"), Content: { ZipFile: zipSync({ bootstrap: runtime("layer") }) } }));
      const cases: Array<[Record<string, [Uint8Array, { attrs: number }]>, string]> = [[{}, "layer"], [{ bootstrap: runtime("code") }, "code"]];
      for (const [own, expected] of cases) {
        const name = uniqueName("custom");
        await client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "provided.al2023", Role: "arn:aws:iam::000000000000:role/r", Handler: "x", Layers: [layer.LayerVersionArn!], Code: { ZipFile: zipSync({ "handler.txt": strToU8("mine"), ...own }) } }));
        await waitUntilFunctionActiveV2({ client, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
        const r = await client.send(new InvokeCommand({ FunctionName: name }));
        assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload!).toString());
        assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { runtime: expected, handler: "mine" });
      }
    });

    test("AWS_LAMBDA_EXEC_WRAPPER: a wrapper script in the code (/var/task/…) or in a layer (/opt/…, the later layer's copy) starts the runtime", async () => {
      const script = (tag: string): [Uint8Array, { attrs: number }] => [strToU8(`#!/bin/sh\nexport WRAPPED=${tag}\nexec "$@"\n`), { attrs: 0o755 << 16 }];
      const first = await client.send(new PublishLayerVersionCommand({ LayerName: uniqueName("wrap-a"), Content: { ZipFile: zipSync({ "wrapper.sh": script("first-layer") }) } }));
      const second = await client.send(new PublishLayerVersionCommand({ LayerName: uniqueName("wrap-b"), Content: { ZipFile: zipSync({ "wrapper.sh": script("second-layer") }) } }));
      const code = zipSync({ "index.js": strToU8("exports.handler = async () => process.env.WRAPPED;"), "wrap.sh": script("code") });
      const cases: Array<[string, string[], string]> = [["/var/task/wrap.sh", [], "code"], ["/opt/wrapper.sh", [first.LayerVersionArn!, second.LayerVersionArn!], "second-layer"]];
      for (const [wrapper, layers, expected] of cases) {
        const name = uniqueName("wrapped");
        await client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Layers: layers, Code: { ZipFile: code }, Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: wrapper } } }));
        await waitUntilFunctionActiveV2({ client, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
        const r = await client.send(new InvokeCommand({ FunctionName: name }));
        assert.equal(r.FunctionError, undefined, `${wrapper}: ${Buffer.from(r.Payload!).toString()}`);
        assert.equal(JSON.parse(Buffer.from(r.Payload!).toString()), expected, wrapper);
      }
    });
  });
}
