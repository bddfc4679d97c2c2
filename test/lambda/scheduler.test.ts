/**
 * The environment scheduler in a real server: with one start slot, concurrent invocations wait for an
 * environment instead of all starting one (and all succeed); with a small memory budget, an idle environment
 * of another function makes room; an environment that dies is replaced; reserved concurrency still throttles
 * at once. /_skyport/health reports environments, starts and waits per function, and so do the Skyport/Lambda
 * metrics.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CloudWatchClient, GetMetricStatisticsCommand, type Statistic } from "@aws-sdk/client-cloudwatch";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, PublishVersionCommand, PutFunctionConcurrencyCommand, PutProvisionedConcurrencyConfigCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const ROLE = "arn:aws:iam::000000000000:role/test";
// Pids repeat across environments (each has its own pid namespace): an id drawn at init tells them apart.
const CODE = `
const id = require("crypto").randomUUID();
exports.handler = async (event) => {
  if (event.die) process.exit(3);
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  return { pid: id };
};`;

interface FunctionHealth {
  function: string;
  environments: number;
  idle: number;
  starts: number;
  waits: number;
  waiting: number;
}

async function health(server: TestServer): Promise<{ environments: number; memoryBudgetMb: number; maxStarting: number; functions: FunctionHealth[] }> {
  const r = await fetch(`${server.endpoint}/_skyport/health`);
  return ((await r.json()) as { services: { lambda: never } }).services.lambda;
}

async function create(lambda: LambdaClient, code = CODE): Promise<string> {
  const name = uniqueName("sched");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(code) }) }, Timeout: 30 }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 as number, maxDelay: 0.2 as number } as never, { FunctionName: name });
  return name;
}

async function invoke(lambda: LambdaClient, name: string, payload: unknown = {}) {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify(payload)) }));
  return { error: r.FunctionError, json: JSON.parse(Buffer.from(r.Payload!).toString("utf8")) as { pid?: string; errorType?: string } };
}

describe("one start slot", () => {
  let server: TestServer;
  let lambda: LambdaClient;
  before(async () => {
    server = await startServer({ "lambda-max-starting": "1" });
    await createLambdaRoles(server);
    lambda = new LambdaClient(server.clientConfig);
  });
  after(() => server.stop());

  test("Invoke: concurrent invocations from cold wait for an environment and all succeed", async () => {
    const name = await create(lambda);
    const results = await Promise.all(Array.from({ length: 6 }, () => invoke(lambda, name, { sleep: 50 })));
    for (const r of results) assert.equal(r.error, undefined, JSON.stringify(r.json));
    const h = await health(server);
    assert.equal(h.maxStarting, 1);
    const f = h.functions.find((x) => x.function.endsWith(`:${name}`))!;
    assert.ok(f.waits >= 1, `some invocations waited: ${JSON.stringify(f)}`);
    assert.ok(f.starts < 6, `fewer environments than requests: ${JSON.stringify(f)}`);
    assert.equal(f.waiting, 0);
    assert.equal(new Set(results.map((r) => r.json.pid)).size, f.starts);
  });

  test("Skyport/Lambda metrics: starts, inits and waits as they happen, the environments sampled", async () => {
    const name = await create(lambda);
    await Promise.all(Array.from({ length: 4 }, () => invoke(lambda, name, { sleep: 100 })));
    const f = (await health(server)).functions.find((x) => x.function.endsWith(`:${name}`))! as FunctionHealth & { waitMsMax: number };
    assert.ok(f.waits >= 1, JSON.stringify(f));
    const cw = new CloudWatchClient(server.clientConfig);
    const stat = async (MetricName: string, stat: Statistic) => {
      const r = await cw.send(new GetMetricStatisticsCommand({ Namespace: "Skyport/Lambda", MetricName, Dimensions: [{ Name: "FunctionName", Value: name }], StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 3_600_000), Period: 7200, Statistics: [stat] }));
      return r.Datapoints?.[0]?.[stat];
    };
    assert.equal(await stat("EnvironmentStarts", "Sum"), f.starts);
    assert.equal(await stat("InitDuration", "SampleCount"), f.starts);
    assert.equal(await stat("EnvironmentWaitTime", "SampleCount"), f.waits);
    assert.ok(Math.abs((await stat("EnvironmentWaitTime", "Maximum"))! - f.waitMsMax) <= 1, `the longest wait is health's waitMsMax (${f.waitMsMax} ms)`);
    // Sampled every second while the function has environments (its idle ones stay).
    let environments: number | undefined;
    for (let i = 0; i < 60 && environments === undefined; i++) {
      environments = await stat("Environments", "Maximum");
      if (environments === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(environments, f.environments);
    // Measured once an environment is up (after its init), so a sample or two may come before the first figure.
    let memory: number | undefined;
    for (let i = 0; i < 60 && memory === undefined; i++) {
      memory = await stat("EnvironmentMemory", "Maximum");
      if (memory === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(memory! > 0, `the environments' measured memory (${memory})`);
    for (let i = 0; i < 60 && (await stat("WaitingInvocations", "Minimum")) !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await stat("WaitingInvocations", "Minimum"), 0, "a sample once nothing waits");
  });

  test("Invoke: an environment that dies is replaced", async () => {
    const name = await create(lambda);
    const first = await invoke(lambda, name);
    const died = await invoke(lambda, name, { die: true });
    assert.equal(died.error, "Unhandled");
    assert.equal(died.json.errorType, "Runtime.ExitError");
    const next = await invoke(lambda, name);
    assert.equal(next.error, undefined);
    assert.notEqual(next.json.pid, first.json.pid);
  });

  test("PutProvisionedConcurrencyConfig: environments are pre-started for the version, before any invoke", async () => {
    const name = await create(lambda);
    const v = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: v.Version!, ProvisionedConcurrentExecutions: 2 }));
    for (;;) {
      const f = (await health(server)).functions.find((x) => x.function.endsWith(`:${name}`));
      if (f && f.idle === 2) {
        assert.equal(f.starts, 2);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await invoke(lambda, `${name}:${v.Version}`);
    assert.equal(r.error, undefined);
    const f = (await health(server)).functions.find((x) => x.function.endsWith(`:${name}`))!;
    assert.equal(f.starts, 2, "the invoke used a provisioned environment");
  });

  test("Invoke: reserved concurrency still throttles at once, waiting requests included", async () => {
    const name = await create(lambda);
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    const results = await Promise.allSettled([invoke(lambda, name, { sleep: 300 }), invoke(lambda, name, { sleep: 300 })]);
    const throttled = results.filter((r) => r.status === "rejected");
    assert.equal(throttled.length, 1);
    assert.equal((throttled[0] as PromiseRejectedResult).reason.name, "TooManyRequestsException");
  });
});

describe("spare environments", () => {
  let server: TestServer;
  let lambda: LambdaClient;
  before(async () => {
    server = await startServer({ "lambda-spares": "1" });
    await createLambdaRoles(server);
    lambda = new LambdaClient(server.clientConfig);
  });
  after(() => server.stop());

  const spare = async () => (await health(server)).functions.find((f) => f.function.startsWith("spare:nodejs:128:"));
  async function spareReady(starts: number): Promise<FunctionHealth> {
    for (;;) {
      const s = await spare();
      if (s && s.starts >= starts && s.idle === 1) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test("CreateFunction starts a spare of the function's class; its first invoke takes it over, and another is kept ready", async () => {
    const a = await create(lambda);
    assert.equal((await spareReady(1)).starts, 1, "a spare started at deploy, before any invoke");
    const r = await invoke(lambda, a, { sleep: 1 });
    assert.equal(r.error, undefined, JSON.stringify(r.json));
    const s = await spareReady(2); // taken over by a, and replaced
    assert.equal(s.starts, 2);
    const again = await invoke(lambda, a);
    assert.equal(again.json.pid, r.json.pid, "the spare became a's own warm environment");
    await create(lambda); // a spare of the class is there already: no other starts
    assert.equal((await spareReady(2)).starts, 2);
  });

  test("Invoke: a cold start while the class's spare is still starting waits for it instead of starting its own", async () => {
    const before = (await spareReady(2)).starts;
    const c = await create(lambda);
    assert.equal((await invoke(lambda, c)).error, undefined); // takes the ready spare; a replacement starts now
    const d = await create(lambda); // no waiting for the replacement: it is still starting (or just ready)
    assert.equal((await invoke(lambda, d)).error, undefined);
    const s = await spareReady(before + 2);
    assert.equal(s.starts, before + 2, "c and d each took a spare over");
    const dHealth = (await health(server)).functions.find((f) => f.function.endsWith(`:${d}`));
    assert.equal(dHealth?.environments, 1, JSON.stringify(dHealth));
  });

  async function createPython(files: Record<string, string>, variables: Record<string, string> = {}): Promise<string> {
    const name = uniqueName("pyspare");
    const zip = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "python3.12", Role: ROLE, Handler: "app.handler", Code: { ZipFile: zip }, Environment: { Variables: variables }, Timeout: 30 }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 as number, maxDelay: 0.2 as number } as never, { FunctionName: name });
    return name;
  }
  async function pythonSpareReady(classKey: string, starts: number): Promise<FunctionHealth> {
    for (let i = 0; ; i++) {
      const h = await health(server);
      const s = h.functions.find((f) => f.function === `spare:python3.12:128:512${classKey}`);
      if (s && s.starts >= starts && s.idle === 1) return s;
      if (i === 400) assert.fail(`no spare of the class ready: ${JSON.stringify(h)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test("python: a spare that imported boto3 while it waited becomes the function: its code, variables, credentials and region", async () => {
    const name = await createPython({
      "app.py": `import os, sys, boto3
def handler(event, context):
    me = boto3.client("sts").get_caller_identity()
    return {"task": os.environ["LAMBDA_TASK_ROOT"], "file": __file__, "var": os.environ.get("MY_VAR"), "spare": os.environ.get("SKYPORT_SPARE"),
            "region": boto3.session.Session().region_name, "arn": me["Arn"], "function": context.function_name, "cwd": os.getcwd()}
`,
    }, { MY_VAR: "mine", AWS_LAMBDA_LOG_LEVEL: "INFO" });
    assert.equal((await pythonSpareReady(":boto3", 1)).starts, 1, "a spare of the boto3 class started at deploy");
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8("{}"), LogType: "Tail" }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload!).toString());
    const out = JSON.parse(Buffer.from(r.Payload!).toString()) as Record<string, string | null>;
    assert.equal(out.var, "mine");
    assert.equal(out.spare, null, "the spare's own variables are gone");
    assert.equal(out.function, name);
    assert.equal(out.region, "us-east-1");
    assert.match(out.arn!, new RegExp(`:assumed-role/test/${name}$`), "boto3 signs with the function's own credentials");
    assert.equal(out.file, `${out.task}/app.py`, "the handler is the function's code");
    assert.equal(out.cwd, out.task);
    assert.match(Buffer.from(r.LogResult!, "base64").toString(), /Init Duration/);
    const s = await pythonSpareReady(":boto3", 2); // taken over by the function, and replaced
    assert.equal(s.starts, 2);
    const f = (await health(server)).functions.find((x) => x.function.endsWith(`:${name}`))!;
    assert.equal(f.environments, 1);
  });

  test("python: a function that brings its own copy of a package boto3 imports gets its own copy, as on Lambda", async () => {
    // The code names boto3 (so its spare imports it), and bundles its own urllib3, which boto3 imports too.
    const name = await createPython({
      "app.py": `# boto3 is not used here
import urllib3
def handler(event, context):
    return {"urllib3": urllib3.__version__}
`,
      "urllib3/__init__.py": `__version__ = "the function's own"\n`,
    });
    await pythonSpareReady(":boto3", 1);
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8("{}") }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload!).toString());
    assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { urllib3: "the function's own" });
  });

  test("python: a function that does not name boto3 takes a spare of its own class, which imports nothing ahead", async () => {
    // urllib3: one of the packages a spare's boto3 import brings in.
    const name = await createPython({ "app.py": `import sys\ndef handler(event, context):\n    return {"urllib3": "urllib3" in sys.modules}\n` });
    assert.equal((await pythonSpareReady("", 1)).starts, 1);
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8("{}") }));
    assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { urllib3: false });
    assert.equal((await pythonSpareReady("", 2)).starts, 2, "the function took the spare over");
  });
});

describe("a small memory budget", () => {
  let server: TestServer;
  let lambda: LambdaClient;
  before(async () => {
    server = await startServer({ "lambda-memory-mb": "64", "lambda-spares": "0" });
    await createLambdaRoles(server);
    lambda = new LambdaClient(server.clientConfig);
  });
  after(() => server.stop());

  test("Invoke: an idle environment of another function is evicted to make room", async () => {
    // Environments that hold 40 MB each (a bare node runtime measures far less): two do not fit in 64 MB.
    // Kept on globalThis: a module-level const no closure uses is garbage once the module has loaded.
    const heavy = `globalThis.hold = Buffer.alloc(40 * 1024 * 1024, 1);\n${CODE}`;
    const a = await create(lambda, heavy);
    const b = await create(lambda, heavy);
    assert.equal((await invoke(lambda, a)).error, undefined);
    assert.equal((await invoke(lambda, b)).error, undefined);
    const h = await health(server);
    assert.equal(h.memoryBudgetMb, 64);
    const count = (n: string) => h.functions.find((x) => x.function.endsWith(`:${n}`))?.environments ?? 0;
    assert.equal(count(a), 0, JSON.stringify(h));
    assert.equal(count(b), 1, JSON.stringify(h));
  });
});
