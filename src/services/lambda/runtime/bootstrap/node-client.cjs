// Skyport's runtime client for the nodejs runtimes: a Lambda Runtime API client (next → invoke → response or
// error; init errors), the context object and console formatting of AWS's nodejs runtime. Runs in the
// execution environment's own process, started either plainly (node.cjs) or from a V8 startup snapshot
// (node-snapshot.cjs, bundled with the AWS SDK modules functions use most). Only node built-ins are used, and
// they are required inside main(): http and its kin cannot live in a Node 20 snapshot.
"use strict";

/** CPU time a spare spends at most warming the SDK's request paths while it waits for its function, ms. */
const SPARE_WARMUP_CPU_MS = 100;

/**
 * @param {object} o
 * @param {(url: string) => Promise<any>} o.importModule dynamic import() of the handler's file (a snapshot's own
 *   code has no dynamic import callback: it passes bootstrap/import.cjs's).
 * @param {Record<string, unknown>} [o.preloaded] modules already loaded (the snapshot's SDK), by specifier.
 * @param {(done: () => boolean, budgetMs: number) => Promise<void>} [o.warmSpare] runs the preloaded SDK's request paths
 *   in memory while a spare waits for its function (snapshot-warmup.cjs), until `done()` or `budgetMs` of CPU time.
 */
async function main(o) {
  // Skyport's own start settings (blueprint.ts: malloc on huge pages for a start from the snapshot): not the function's.
  if (process.env.SKYPORT_OWN_TUNABLES) {
    delete process.env.GLIBC_TUNABLES;
    delete process.env.SKYPORT_OWN_TUNABLES;
  }
  const dns = require("node:dns");
  // The class itself (in a snapshot's bundle a built-in is a lazy stand-in object; its .Module is the class).
  const nodeModule = require("node:module").Module;
  const { existsSync, readFileSync } = require("node:fs");
  const { dirname, join } = require("node:path");
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

  // Skyport's CA (AWS_CA_BUNDLE, the blueprint's) is trusted by every TLS context built on node's default roots, as
  // NODE_EXTRA_CA_CERTS would — but that variable makes node build its root store as it starts (~20 ms of CPU per
  // environment here, which Lambda's nodejs20.x and later skip too); this reads the file at the first such context.
  // The module itself: in a snapshot's bundle require("node:tls") is a stand-in whose properties cannot be set.
  const tls = nodeModule.createRequire("/")("node:tls");
  const createSecureContext = tls.createSecureContext;
  let skyportCa;
  tls.createSecureContext = function (options) {
    const context = createSecureContext.call(this, options);
    const file = process.env.AWS_CA_BUNDLE;
    if (!options?.ca && file) {
      try {
        skyportCa ??= readFileSync(file);
        context.context.addCACert(skyportCa);
      } catch {
        /* no CA file (the server serves plain HTTP only): node's roots alone */
      }
    }
    return context;
  };

  quietProvidedSdkNotice();

  const api = process.env.AWS_LAMBDA_RUNTIME_API;
  const slash = api.indexOf("/");
  const host = slash < 0 ? api : api.slice(0, slash);
  const prefix = slash < 0 ? "" : api.slice(slash);
  const [hostname, port] = host.split(":");
  const conn = runtimeConnection(hostname, Number(port) || 80);
  const base = `${prefix}/2018-06-01/runtime`;

  // Log lines must reach Skyport before the invocation's result does (LogType=Tail, REPORT ordering). A pipe's
  // writes are synchronous on Linux: only a write the pipe could not take at once is still queued to wait for.
  const flushStdout = () => (process.stdout.writableLength ? new Promise((resolve) => process.stdout.write("", () => resolve())) : undefined);

  /** One request; a keep-alive connection the server closed meanwhile (a long invocation) is opened again once. */
  async function call(method, path, body, headers = {}) {
    try {
      return await conn.send(method, path, body, headers);
    } catch (e) {
      if (e?.code !== "ECONNCLOSED") throw e;
      return conn.send(method, path, body, headers);
    }
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

  /** Whether node takes a .js file in `dir` for an ES module: the nearest package.json, not above node_modules, says so. */
  function inModulePackage(dir) {
    for (; !dir.endsWith("/node_modules"); dir = dirname(dir)) {
      const pj = join(dir, "package.json");
      if (existsSync(pj)) {
        try {
          return JSON.parse(readFileSync(pj, "utf8"))?.type === "module";
        } catch {
          return false;
        }
      }
      if (dir === dirname(dir)) break;
    }
    return false;
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
    // As AWS's runtime: CommonJS files (.cjs, and .js outside a "type": "module" package) are required, ES modules
    // imported; a syntax error or a missing module while loading is the runtime's own error type.
    let mod;
    try {
      mod = file.endsWith(".mjs") || (file.endsWith(".js") && inModulePackage(dirname(file))) ? await o.importModule(pathToFileURL(file).href) : nodeModule.createRequire(file)(file);
    } catch (e) {
      if (e instanceof SyntaxError) throw Object.assign(new Error(String(e)), { name: "Runtime.UserCodeSyntaxError" });
      if (e?.code === "MODULE_NOT_FOUND") throw Object.assign(new Error(String(e)), { name: "Runtime.ImportModuleError" });
      throw e;
    }
    let fn = mod;
    for (const part of fnPath.split(".")) fn = fn?.[part] ?? (fn === mod ? mod.default?.[part] : undefined);
    if (typeof fn !== "function") throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
    return fn;
  }

  // A spare environment (Skyport's pre-started runtime) waits to learn which function it becomes: its
  // variables arrive here and its code appears in the (already bound) task directory.
  if (process.env.SKYPORT_SPARE === "1") {
    let assigned = false;
    const assignment = call("GET", `${prefix}/skyport/assignment`).then((r) => (r.status === 200 ? JSON.parse(r.body) : undefined), () => undefined);
    assignment.finally(() => (assigned = true));
    // Meanwhile the SDK's request paths warm up (stopping within one in-memory request of the assignment), and the
    // function's variables go in only after it stopped: the warm-up sets and puts back a few of its own.
    if (o.warmSpare) {
      // The built-ins the SDK's HTTP handler loads at its first request (they cannot live in the snapshot, ~15 ms),
      // and one request through them (to the Runtime API, which answers an unknown route 404 at once).
      require("node:https");
      await new Promise((resolve) => {
        const req = require("node:http").get({ host: hostname, port: Number(port) || 80, path: `${prefix}/skyport/warm-up`, agent: false }, (res) => res.resume().on("end", resolve));
        req.on("error", resolve);
      });
      await o.warmSpare(() => assigned, SPARE_WARMUP_CPU_MS).catch(() => {});
    }
    const vars = await assignment;
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
    await call("POST", `${base}/init/error`, JSON.stringify(p), { "Lambda-Runtime-Function-Error-Type": p.errorType, "Content-Type": "application/json" }).catch(() => {});
    process.exit(1);
  }

  const env = process.env;
  let pendingNext = call("GET", `${base}/invocation/next`);
  for (;;) {
    const next = await pendingNext;
    if (next.status !== 200) process.exit(0); // the environment is gone (410) or was never known (403)
    const id = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    currentRequestId = id;
    const cpu0 = process.cpuUsage();
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
    let path, body, headers;
    try {
      const event = JSON.parse(next.body || "null");
      const result = await new Promise((resolve, reject) => {
        const callback = (err, value) => (err ? reject(err) : resolve(value));
        context.done = callback;
        context.succeed = (v) => resolve(v);
        context.fail = (e) => reject(e);
        const r = handler(event, context, callback);
        if (r && typeof r.then === "function") r.then(resolve, reject);
        else if (handler.length < 3) resolve(r);
      });
      [path, body, headers] = [`${base}/invocation/${id}/response`, result === undefined ? "null" : JSON.stringify(result), { "Content-Type": "application/json" }];
    } catch (err) {
      const p = errorPayload(err);
      console.error(`Invoke Error \t${JSON.stringify(p)}`);
      [path, body, headers] = [`${base}/invocation/${id}/error`, JSON.stringify(p), { "Lambda-Runtime-Function-Error-Type": p.errorType, "Content-Type": "application/json" }];
    }
    await flushStdout();
    currentRequestId = undefined;
    const cpu = process.cpuUsage(cpu0);
    headers["Skyport-Cpu-Us"] = String(cpu.user + cpu.system);
    // The answer is also the next long poll (Skyport-Next): Skyport answers an accepted answer with the next
    // invocation, or 410 once the environment is gone. A rejected answer (400, 413) gets its own status: poll then.
    headers["Skyport-Next"] = "1";
    const answered = await call("POST", path, body, headers);
    pendingNext = answered.status === 200 || answered.status === 410 || answered.status === 403 ? answered : call("GET", `${base}/invocation/next`);
  }
}

/**
 * A minimal HTTP/1.1 client on one keep-alive connection to the Runtime API: one request at a time, each in one
 * write (one system call, one wake-up of the server). Skyport's answers carry Content-Length;
 * chunked ones are decoded too. When the server closes the connection, pending requests fail with ECONNCLOSED
 * and the next request opens a new one.
 */
function runtimeConnection(hostname, port) {
  const net = require("node:net");
  let sock;
  let buf = Buffer.alloc(0);
  let waiting = [];
  const closed = () => Object.assign(new Error("Runtime API connection closed"), { code: "ECONNCLOSED" });

  function open() {
    const s = net.connect({ host: hostname, port });
    s.setNoDelay(true);
    s.on("data", (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      parse(s);
    });
    s.on("error", () => {});
    s.on("close", () => {
      if (sock !== s) return;
      sock = undefined;
      buf = Buffer.alloc(0);
      const w = waiting;
      waiting = [];
      for (const x of w) x.reject(closed());
    });
    return s;
  }

  function parse(s) {
    while (waiting.length) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(lines[0].split(" ")[1]);
      const headers = {};
      for (let i = 1; i < lines.length; i++) {
        const c = lines[i].indexOf(":");
        if (c <= 0) continue;
        const k = lines[i].slice(0, c).trim().toLowerCase();
        const v = lines[i].slice(c + 1).trim();
        headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
      }
      let body;
      let rest;
      if (headers["content-length"] !== undefined) {
        const n = Number(headers["content-length"]);
        if (buf.length < end + 4 + n) return;
        body = buf.subarray(end + 4, end + 4 + n);
        rest = buf.subarray(end + 4 + n);
      } else if (/chunked/i.test(headers["transfer-encoding"] || "")) {
        const parts = [];
        let pos = end + 4;
        for (;;) {
          const le = buf.indexOf("\r\n", pos);
          if (le < 0) return;
          const size = parseInt(buf.subarray(pos, le).toString("latin1"), 16);
          if (Number.isNaN(size)) return void s.destroy();
          if (buf.length < le + 2 + size + 2) return;
          if (size === 0) {
            rest = buf.subarray(le + 4);
            break;
          }
          parts.push(buf.subarray(le + 2, le + 2 + size));
          pos = le + 2 + size + 2;
        }
        body = Buffer.concat(parts);
      } else {
        body = Buffer.alloc(0);
        rest = buf.subarray(end + 4);
      }
      buf = rest;
      waiting.shift().resolve({ status, headers, body: body.toString("utf8") });
      if (/close/i.test(headers.connection || "")) s.end();
    }
  }

  function write(s, method, path, body, headers = {}) {
    const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`;
    // Header values are ASCII on the wire (an error type is the only one a function chooses).
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${String(v).replace(/[^\x20-\x7e]/g, "?")}\r\n`;
    head += `Content-Length: ${payload ? payload.length : 0}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      s.write(payload ? Buffer.concat([Buffer.from(head, "latin1"), payload]) : head);
    });
  }

  const socket = () => (sock && !sock.destroyed ? sock : (sock = open()));
  return { send: (method, path, body, headers) => write(socket(), method, path, body, headers) };
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
  const { readFileSync, statSync } = require("node:fs");
  // Folders by identity: the sandbox binds the SDK at two paths (/var/runtime/node_modules and /var/node_modules).
  const id = (p) => {
    try {
      const s = statSync(p);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  const walked = new Set();
  for (const dir of Module._nodeModulePaths(process.env.LAMBDA_TASK_ROOT || process.cwd())) {
    if (!id(dir)) continue;
    walked.add(id(dir));
    // Skyport's tree of links to the SDK (runtime/esm-shims.ts) names the folder it stands in for.
    let standsFor;
    try {
      standsFor = readFileSync(`${dir}/.skyport-sdk`, "utf8");
    } catch {}
    if (standsFor && id(standsFor)) walked.add(id(standsFor));
  }
  const missing = (process.env.NODE_PATH || "").split(":").filter((d) => d && id(d) && !walked.has(id(d)));
  if (missing.length && typeof Module.register === "function") Module.register("data:text/javascript," + encodeURIComponent(ESM_FALLBACK));
}

/** The folders of the function's own code, real paths ending in a separator: its task root and its layers' NODE_PATH folders. */
function codeFolders() {
  const { realpathSync } = require("node:fs");
  const { sep } = require("node:path");
  const real = (p) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const layers = (process.env.NODE_PATH || "").split(":").filter(Boolean).slice(0, -1); // the last one is the SDK
  return [process.env.LAMBDA_TASK_ROOT || process.cwd(), ...layers].map((d) => real(d) + sep);
}

/** The AWS SDK's notice, at its first client, that its later versions need a newer Node.js. */
const SDK_NODE_NOTICE = /^Node(VersionSupport|Deprecation)Warning: The AWS SDK for JavaScript \(v3\)/;

/**
 * The provided SDK is Skyport's copy, newer than the one Lambda's nodejs runtimes provide: its notice that later
 * versions need a newer Node.js is not the function's to act on (on Lambda a nodejs22.x function, which may run on
 * this host's older node, never sees it; the copy Lambda provides to nodejs20.x predates it). Warnings are dropped
 * only when the provided copy (the snapshot's, or the SDK folder's) emits them: a copy the function bundles or gets
 * from a layer still warns, as it would on Lambda.
 */
function quietProvidedSdkNotice() {
  const { fileURLToPath } = require("node:url");
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    if (typeof warning === "string" && SDK_NODE_NOTICE.test(warning)) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 3;
      const caller = (new Error().stack || "").split("\n")[2] || ""; // [1] is this function
      Error.stackTraceLimit = limit;
      let file = /\(?((?:file:\/\/)?\/[^()]*?):\d+:\d+\)?$/.exec(caller.trim())?.[1];
      if (file?.startsWith("file://")) file = fileURLToPath(file);
      if (file && !codeFolders().some((d) => file.startsWith(d))) return;
    }
    return emitWarning.call(this, warning, ...rest);
  };
}

/**
 * The snapshot's SDK modules stand in for the provided SDK's files: each specifier is resolved as the function's
 * code would resolve it and, when that file is the provided SDK's (not inside the code's own folder nor a layer's),
 * its module-cache entry is filled with the loaded module. A function that bundles its own copy, or gets one from a
 * layer, loads that, as on Lambda; ES module imports of the same file take the cached CommonJS module too.
 */
function offerPreloaded(Module, preloaded) {
  const { join } = require("node:path");
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const own = codeFolders();
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
