// Skyport's runtime client for the nodejs runtimes: a Lambda Runtime API client (next → invoke → response or
// error; init errors), the context object and console formatting of AWS's nodejs runtime. Runs in the
// execution environment's own process, started either plainly (node.mjs) or from a V8 startup snapshot
// (node-snapshot.cjs, bundled with the AWS SDK modules functions use most). Only node built-ins are used, and
// they are required inside main(): http and its kin cannot live in a Node 20 snapshot.
"use strict";

/**
 * @param {object} o
 * @param {(url: string) => Promise<any>} o.importModule dynamic import() of the handler's file (a snapshot's own
 *   code has no dynamic import callback: it passes bootstrap/import.cjs's).
 * @param {Record<string, unknown>} [o.preloaded] modules already loaded (the snapshot's SDK), by specifier.
 */
async function main(o) {
  const dns = require("node:dns");
  const http = require("node:http");
  // The class itself (in a snapshot's bundle a built-in is a lazy stand-in object; its .Module is the class).
  const nodeModule = require("node:module").Module;
  const { existsSync } = require("node:fs");
  const { join } = require("node:path");
  const { pathToFileURL } = require("node:url");
  const { format } = require("node:util");

  // *.localhost is loopback (RFC 6761), but glibc does not resolve it: execute-api hosts such as
  // {apiId}.execute-api.localhost:PORT (the domainName functions build @connections endpoints from) must reach Skyport.
  const osLookup = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    if (typeof options === "function") [callback, options] = [options, {}];
    if (typeof hostname !== "string" || !hostname.toLowerCase().endsWith(".localhost")) return osLookup.call(dns, hostname, options, callback);
    const six = (typeof options === "number" ? options : options?.family) === 6;
    const address = six ? "::1" : "127.0.0.1";
    process.nextTick(() => (options?.all ? callback(null, [{ address, family: six ? 6 : 4 }]) : callback(null, address, six ? 6 : 4)));
    return {};
  };

  const api = process.env.AWS_LAMBDA_RUNTIME_API;
  const slash = api.indexOf("/");
  const host = slash < 0 ? api : api.slice(0, slash);
  const prefix = slash < 0 ? "" : api.slice(slash);
  const [hostname, port] = host.split(":");
  // One keep-alive connection to the Runtime API for the environment's whole life: no connect per request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = `${prefix}/2018-06-01/runtime`;

  // Log lines must reach Skyport before the invocation's result does (LogType=Tail, REPORT ordering).
  const flushStdout = () => new Promise((resolve) => process.stdout.write("", () => resolve()));

  function call(method, path, body, headers = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname, port, path: base + path, method, agent, headers: { ...headers, ...(body ? { "Content-Length": Buffer.byteLength(body) } : {}) } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  let currentRequestId = undefined;
  const LEVELS = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" };
  for (const [method, level] of Object.entries(LEVELS)) {
    console[method] = (...args) => {
      const msg = format(...args).replace(/\n/g, "\r");
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? "undefined"}\t${level}\t${msg}\n`);
    };
  }

  function errorPayload(err) {
    if (err instanceof Error) return { errorType: err.name || "Error", errorMessage: err.message, trace: (err.stack || "").split("\n") };
    return { errorType: typeof err === "string" ? "string" : typeof err, errorMessage: typeof err === "string" ? err : JSON.stringify(err), trace: [] };
  }

  async function loadHandler() {
    const handler = process.env._HANDLER;
    const root = process.env.LAMBDA_TASK_ROOT;
    const dot = handler.lastIndexOf(".");
    if (dot < 0) throw Object.assign(new Error(`Bad handler ${handler}: missing module name`), { name: "Runtime.MalformedHandlerName" });
    const modPath = handler.slice(0, dot);
    const fnPath = handler.slice(dot + 1);
    let file;
    for (const ext of [".js", ".mjs", ".cjs"]) {
      if (existsSync(join(root, modPath + ext))) {
        file = join(root, modPath + ext);
        break;
      }
    }
    if (!file) throw Object.assign(new Error(`Cannot find module '${modPath}'`), { name: "Runtime.ImportModuleError" });
    const mod = await o.importModule(pathToFileURL(file).href);
    let fn = mod;
    for (const part of fnPath.split(".")) fn = fn?.[part] ?? (fn === mod ? mod.default?.[part] : undefined);
    if (typeof fn !== "function") throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
    return fn;
  }

  // A spare environment (Skyport's pre-started runtime) waits to learn which function it becomes: its
  // variables arrive here and its code appears in the (already bound) task directory.
  if (process.env.SKYPORT_SPARE === "1") {
    const vars = await new Promise((resolve) => {
      http.get({ hostname, port, path: `${prefix}/skyport/assignment`, agent }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined));
        res.on("error", () => resolve(undefined));
      }).on("error", () => resolve(undefined));
    });
    if (!vars) process.exit(0);
    delete process.env.SKYPORT_SPARE;
    Object.assign(process.env, vars);
  }
  esmFallback(nodeModule);
  if (o.preloaded) offerPreloaded(nodeModule, o.preloaded);

  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const p = errorPayload(err);
    console.error(`${p.errorType}: ${p.errorMessage}`);
    await call("POST", "/init/error", JSON.stringify(p), { "Lambda-Runtime-Function-Error-Type": p.errorType, "Content-Type": "application/json" }).catch(() => {});
    process.exit(1);
  }

  const env = process.env;
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    currentRequestId = id;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: id,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      identity: undefined,
      clientContext: next.headers["lambda-runtime-client-context"] ? JSON.parse(next.headers["lambda-runtime-client-context"]) : undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: undefined, succeed: undefined, fail: undefined,
    };
    let result;
    try {
      const event = JSON.parse(next.body || "null");
      result = await new Promise((resolve, reject) => {
        const callback = (err, value) => (err ? reject(err) : resolve(value));
        context.done = callback;
        context.succeed = (v) => resolve(v);
        context.fail = (e) => reject(e);
        const r = handler(event, context, callback);
        if (r && typeof r.then === "function") r.then(resolve, reject);
        else if (handler.length < 3) resolve(r);
      });
      const body = result === undefined ? "null" : JSON.stringify(result);
      await flushStdout();
      await call("POST", `/invocation/${id}/response`, body, { "Content-Type": "application/json" });
    } catch (err) {
      const p = errorPayload(err);
      console.error(`Invoke Error \t${JSON.stringify(p)}`);
      await flushStdout();
      await call("POST", `/invocation/${id}/error`, JSON.stringify(p), { "Lambda-Runtime-Function-Error-Type": p.errorType, "Content-Type": "application/json" });
    }
    currentRequestId = undefined;
  }
}

// As the nodejs runtime does for /opt and the provided SDK: ES module imports of bare specifiers that are
// not found next to the code fall back to the NODE_PATH folders (ESM itself ignores NODE_PATH).
const ESM_FALLBACK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e?.code !== "ERR_MODULE_NOT_FOUND" || /^([./]|[a-z]+:)/.test(specifier)) throw e;
    for (const dir of (process.env.NODE_PATH || "").split(":").filter(Boolean)) {
      try {
        return await next(specifier, { ...context, parentURL: "file://" + dir + "/__skyport__.mjs" });
      } catch {}
    }
    throw e;
  }
}`;

/**
 * Registers the ES module fallback to NODE_PATH only when some NODE_PATH folder (a layer's, or the SDK of a
 * live code directory) is not already found by node's own walk up from the code: module hooks run on a thread of
 * their own, and starting it costs a cold start more than everything else together. Skyport puts the provided
 * SDK where that walk finds it (blueprint.ts).
 */
function esmFallback(Module) {
  const { statSync } = require("node:fs");
  // Folders by identity: the sandbox binds the SDK at two paths (/var/runtime/node_modules and /var/node_modules).
  const id = (p) => {
    try {
      const s = statSync(p);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  const walked = new Set(Module._nodeModulePaths(process.env.LAMBDA_TASK_ROOT || process.cwd()).map(id).filter(Boolean));
  const missing = (process.env.NODE_PATH || "").split(":").filter((d) => d && id(d) && !walked.has(id(d)));
  if (missing.length && typeof Module.register === "function") Module.register("data:text/javascript," + encodeURIComponent(ESM_FALLBACK));
}

/**
 * The snapshot's SDK modules stand in for the provided SDK's files: each specifier is resolved as the function's
 * code would resolve it and, when that file is the provided SDK's (not inside the code's own folder nor a layer's),
 * its module-cache entry is filled with the loaded module. A function that bundles its own copy, or gets one from a
 * layer, loads that, as on Lambda; ES module imports of the same file take the cached CommonJS module too.
 */
function offerPreloaded(Module, preloaded) {
  const { join, sep } = require("node:path");
  const { realpathSync } = require("node:fs");
  const real = (p) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const layers = (process.env.NODE_PATH || "").split(":").filter(Boolean).slice(0, -1); // the last one is the SDK
  const own = [root, ...layers].map((d) => real(d) + sep);
  const fromCode = Module.createRequire(join(root, "__skyport__.js"));
  for (const [specifier, exports] of Object.entries(preloaded)) {
    let file;
    try {
      file = fromCode.resolve(specifier);
    } catch {
      continue;
    }
    if (Module._cache[file] || own.some((d) => file.startsWith(d))) continue;
    const m = new Module(file, null);
    m.filename = file;
    m.paths = Module._nodeModulePaths(require("node:path").dirname(file));
    m.exports = exports;
    m.loaded = true;
    Module._cache[file] = m;
  }
}

module.exports = { main };
