/**
 * Lambda: functions that really run. Control plane (functions, versions, aliases, concurrency, tags,
 * permissions, account settings) plus Invoke (RequestResponse, Event through a persisted queue with two
 * retries, DryRun; LogType=Tail; qualifiers). Each execution environment is a process speaking the
 * Lambda Runtime API (runtime/), logs go to CloudWatch Logs with START/END/REPORT lines (logs.ts).
 *
 * Event source mappings read DynamoDB streams (event-sources.ts) with filtering, retries and bisection.
 * Function URLs (urls.ts) are served at {urlId}.lambda-url.{region}.localhost with payload format 2.0.
 * Local-directory mode: Code.S3Bucket "hot-reload" with Code.S3Key a host directory runs that directory in
 * place; a change under it retires warm environments, so the next invoke runs the new code.
 * Layers (layers.ts) are extracted once and put on NODE_PATH / PYTHONPATH / PATH as the runtimes look for them.
 * Asynchronous invocation settings (event-invoke-config.ts): retries and Lambda destinations.
 * Function operations (function-ops.ts) with AWS's states (states.ts): Pending → Active on creation, InProgress →
 * Successful on updates, lasting --lambda-state-ms; Invoke while Pending and updates while InProgress are refused;
 * invokes during an update run the previous code and configuration until it completes.
 * Environments run inside bubblewrap when it is installed (--lambda-sandbox; runtime/sandbox.ts): an unprivileged
 * uid, no capabilities, a seccomp filter, code read-only at /var/task, the provided SDK at /var/runtime/node_modules,
 * layers at /opt, a private /tmp and pid namespace, nothing else of the host but /usr and a minimal /etc.
 * Provisioned concurrency pre-starts its environments (on Put and at boot); the scheduler (runtime/scheduler.ts)
 * caps environments starting at once and their memory, and keeps spare node and python environments for cold
 * starts (a python spare imports boto3 while it waits when its function's code names it). Node
 * functions that load a preloaded SDK module start from a V8 startup snapshot (runtime/snapshot.ts; built in the
 * background at first use, checked before use; gap: a blob that goes bad after its check fails its environments).
 * Stored and returned (config-ops.ts): recursion config (not acted on: Skyport detects no loops), code signing
 * configs (Enforce refuses every deployment: nothing is signed without AWS Signer), layer version permissions
 * (stored; layers of other accounts are not served). Aliases route AdditionalVersionWeights (aliases.ts).
 * Gaps against AWS: SQS/SNS/EventBridge destinations, other event sources,
 * container images answer InvalidParameterValueException (function code and layers from S3 work);
 * Max Memory Used is the runtime's peak RSS over its process tree (memory.ts). MemorySize is a cgroup
 * memory limit where Skyport can create cgroups (runtime/cgroup.ts), else only the node heap limit; sandboxed
 * /tmp is a tmpfs, so its contents count against MemorySize.
 * Deliberate differences: environments are host processes (sandboxed when possible); Runtime API and code download
 * are served on Skyport's port under /_aws/.
 */
import { join } from "node:path";
import type * as L from "../../aws/api/lambda.js";
import { authenticateSigV4 } from "../../aws/authenticate.js";
import { ServiceError } from "../../aws/errors.js";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import type { RequestContext } from "../../edge/context.js";
import { LocalProcessLauncher } from "../../runtime/process-launcher.js";
import { sandboxSupport } from "../../runtime/sandbox.js";
import type { ServiceEnv } from "../host.js";
import { Limits, Messages, RUNTIMES } from "./constants.js";
import { functionArn, parseFunctionName } from "./functions.js";
import { EventSourcePoller } from "./event-sources.js";
import { destinationRecord } from "./event-invoke-config.js";
import { LogBatcher } from "./logs.js";
import { serveFunctionUrl } from "./url-data-plane.js";
import { blueprint, caBundleOf, prepareDefaultSnapshot, prepareNodeSnapshot } from "./runtime/blueprint.js";
import { EnvironmentReporter } from "./runtime/env-report.js";
import { NodeSnapshots, snapshotCacheDir } from "./runtime/snapshot.js";
import { SKYPORT_NODE_MODULES } from "./code.js";
import { environmentMetrics, startInvocation } from "../cloudwatch/lambda-metrics.js";
import { MachineCpu } from "./runtime/machine-cpu.js";
import { EnvironmentManager } from "./runtime/environments.js";
import { ThrottledError, type EnvironmentBlueprint, type InvocationResult } from "./runtime/environment.js";
import { handleOversizeRuntimeApi, handleRuntimeApi, RUNTIME_API_PREFIX } from "./runtime/runtime-api.js";
import { LambdaFunctionOps } from "./function-ops.js";
import { StateText } from "./states.js";
import { CODE_PREFIX } from "./code-url.js";
import type { FunctionRow } from "./store.js";

const ASYNC_POLL_MS = 50;
/** An environment's credentials outlive any environment (they are revoked when it stops). */
const ENVIRONMENT_CREDENTIALS_TTL_MS = 7 * 24 * 3600_000;
const RETRY_DELAYS_MS = [60_000, 120_000];
const THROTTLE_RETRY_MS = 200;
/** An async attempt in flight is due again this long after its function's timeout (a server that crashed meanwhile). */
const IN_FLIGHT_MARGIN_MS = 2_000;

export class LambdaProvider extends LambdaFunctionOps implements L.LambdaHandlers {
  /** The function's resource policy for --enforce-iam (src/aws/policy/resource-policies.ts), for any qualifier. */
  resourcePolicy(arn: string): string | undefined {
    const m = /^arn:aws[a-z-]*:lambda:([^:]+):(\d{12}):function:([a-zA-Z0-9_-]{1,64})(?::|$)/.exec(arn);
    return m ? this.store.policyText(m[2]!, m[1]!, m[3]!) : undefined;
  }

  readonly envs: EnvironmentManager;
  private readonly logs: LogBatcher;
  private readonly asyncTimer: NodeJS.Timeout;
  private readonly reporter: EnvironmentReporter;
  private stopBoot?: () => void;
  /** Set on close: a spare whose blob check finishes after it starts nothing (the data dir is removed next). */
  private closed = false;
  private asyncBusy = false;
  /** Async queue jobs running now (their rows stay queued until they end: a crash leaves them due again). */
  private readonly asyncInFlight = new Set<number>();
  readonly eventSources: EventSourcePoller;
  /** Environments run inside bubblewrap (--lambda-sandbox auto when bwrap is installed, or bubblewrap). */
  readonly sandbox: boolean;
  /** Node environments start from a V8 startup snapshot once it is built (--lambda-snapshot). */
  readonly snapshots?: NodeSnapshots;

  constructor(env: ServiceEnv) {
    super(env);
    const mode = env.config.lambdaSandbox ?? "off";
    this.sandbox = mode !== "off" && sandboxSupport().ok; // startSkyport already refused or warned (runtime/startup.ts)
    if (env.config.lambdaSnapshot !== false) this.snapshots = new NodeSnapshots({ cacheDir: snapshotCacheDir(env.config.dataDir, env.config.ephemeral), nodeModules: SKYPORT_NODE_MODULES, esmDir: join(env.config.dataDir, "lambda", "sdk-esm"), log: env.log });
    prepareDefaultSnapshot(this.snapshots);
    this.logs = new LogBatcher(env.services, (accountId, region) => this.internalCtx(accountId, region), env.log);
    const cpu = new MachineCpu();
    const metrics = environmentMetrics(env.services, () => env.clock.now());
    this.envs = new EnvironmentManager({
      launcher: new LocalProcessLauncher(),
      clock: env.clock,
      ids: env.ids,
      idleMs: env.config.lambdaIdleMs,
      accountLimit: env.config.lambdaAccountConcurrency,
      spares: env.config.lambdaSpares ?? 0,
      sparesDir: join(env.config.dataDir, "lambda", "spares"),
      limits: env.config.lambdaLimits,
      idleCores: () => cpu.idleCores(),
      observer: metrics,
      runtimeApiBase: () => `${env.services.localEndpoint.replace(/^http:\/\//, "")}${RUNTIME_API_PREFIX.slice(0, -1)}`,
      logSink: (bp, stream, lines) => this.logs.add(bp, stream, lines),
      credentials: {
        issue: (bp) => {
          const roleName = bp.role?.split("/").pop() || "lambda-role";
          return env.services.credentials.issue({ accountId: bp.account, arn: `arn:aws:sts::${bp.account}:assumed-role/${roleName}/${bp.functionName}`, kind: "function", ttlMs: ENVIRONMENT_CREDENTIALS_TTL_MS });
        },
        revoke: (c) => env.services.credentials.revoke(c.accessKeyId),
      },
    });
    this.reporter = new EnvironmentReporter(this.envs, env.config.lambdaLimits, env.log, (pools) => metrics.sample(pools));
    const boot = setImmediate(() => this.provisionAll());
    this.stopBoot = () => clearImmediate(boot);
    this.asyncTimer = setInterval(() => void this.drainAsync(), ASYNC_POLL_MS);
    this.asyncTimer.unref();

    this.eventSources = new EventSourcePoller(env.store, env.services, env.clock, env.ids, env.log, (a, r) => this.internalCtx(a, r), async (ctx, arn, payload) => {
      try {
        const { row, name, version } = this.resolve(ctx, arn, undefined, true);
        const r = await this.run(ctx, name, version, row, payload, arn);
        return { failed: !!r.functionError };
      } catch {
        return { failed: true };
      }
    });
  }

  // ---- function URL data plane ------------------------------------------------------------------------

  /** The function URL data plane: {urlId}.lambda-url.{region}.localhost. */
  handleFunctionUrl(req: HttpRequest, host: string): Promise<HttpResponse> {
    return serveFunctionUrl(req, host, {
      urls: this.urls,
      authenticate: (r) => authenticateSigV4(r, this.env.services.credentials, this.env.config.enforceSigV4, this.env.clock.now()),
      invoke: (row, event) => {
        const ctx = this.internalCtx(row.account, row.region);
        const { name, version, row: fnRow } = this.resolve(ctx, row.functionName, row.qualifier || undefined, true);
        return this.run(ctx, name, version, fnRow, event, row.config.FunctionArn!);
      },
      requestId: () => this.env.ids.uuid(),
      now: () => this.env.clock.now(),
    });
  }

  // ---- event source mappings (DynamoDB Streams) -------------------------------------------------------

  async CreateEventSourceMapping(ctx: RequestContext, input: L.CreateEventSourceMappingInput): Promise<L.EventSourceMappingConfiguration> {
    const { name, row } = this.resolve(ctx, input.FunctionName);
    const ref = parseFunctionName(ctx, input.FunctionName);
    return this.eventSources.create(ctx, input, ref.qualifier ? functionArn(ctx, name, ref.qualifier) : (row.config.FunctionArn ?? functionArn(ctx, name)));
  }

  GetEventSourceMapping(ctx: RequestContext, input: L.GetEventSourceMappingInput): L.EventSourceMappingConfiguration {
    return this.eventSources.get(ctx, input.UUID).config;
  }

  ListEventSourceMappings(ctx: RequestContext, input: L.ListEventSourceMappingsInput): L.ListEventSourceMappingsOutput {
    let all = this.eventSources.list(ctx).map((m) => m.config);
    if (input.EventSourceArn) all = all.filter((c) => c.EventSourceArn === input.EventSourceArn);
    if (input.FunctionName) {
      const name = parseFunctionName(ctx, input.FunctionName).name;
      all = all.filter((c) => c.FunctionArn?.split(":")[6] === name);
    }
    const start = input.Marker ? Number(input.Marker) : 0;
    const max = Math.min(input.MaxItems ?? 100, 10000);
    return { EventSourceMappings: all.slice(start, start + max), NextMarker: start + max < all.length ? String(start + max) : undefined };
  }

  UpdateEventSourceMapping(ctx: RequestContext, input: L.UpdateEventSourceMappingInput): L.EventSourceMappingConfiguration {
    return this.eventSources.update(ctx, input);
  }

  DeleteEventSourceMapping(ctx: RequestContext, input: L.DeleteEventSourceMappingInput): L.EventSourceMappingConfiguration {
    return this.eventSources.delete(ctx, input.UUID);
  }

  // ---- invoke ---------------------------------------------------------------------------------------

  async Invoke(ctx: RequestContext, input: L.InvokeInput): Promise<L.InvokeOutput> {
    const { row, name, version, bp } = this.invokeTarget(ctx, input.FunctionName, input.Qualifier);
    if (row.config.State !== "Active") throw new ServiceError("ResourceConflictException", StateText.pending(row.config.State ?? "Pending"), 409, true, { Type: "User" });
    // No payload (or an empty one) reaches the handler as {} (AWS's behaviour).
    const payload = input.Payload?.length ? Buffer.from(input.Payload) : Buffer.from("{}");
    const type = input.InvocationType ?? "RequestResponse";
    if (type === "DryRun") return { StatusCode: 204 };
    if (type === "Event") {
      if (payload.length > Limits.MAX_ASYNC_PAYLOAD_BYTES) throw new ServiceError("RequestEntityTooLargeException", `Request must be smaller than ${Limits.MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`, 413);
      checkJson(payload);
      // Queued under the qualifier invoked (an alias stays an alias: its invoke settings and routing apply when it runs).
      const q = parseFunctionName(ctx, input.FunctionName, input.Qualifier).qualifier;
      this.store.enqueue(ctx.accountId, ctx.region, functionArn(ctx, name, q === "$LATEST" ? undefined : q), this.env.ids.uuid(), payload, ctx.clock.now());
      return { StatusCode: 202 };
    }
    if (type !== "RequestResponse") throw new ServiceError("InvalidParameterValueException", `Unsupported InvocationType: ${type}`, 400);
    if (payload.length > Limits.MAX_SYNC_PAYLOAD_BYTES) throw new ServiceError("RequestTooLargeException", `Request must be smaller than ${Limits.MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`, 413);
    checkJson(payload);
    const result = await this.run(ctx, name, version, row, payload, input.FunctionName.startsWith("arn:") ? input.FunctionName : functionArn(ctx, name, input.Qualifier), input.ClientContext, bp);
    let out = result.payload;
    let functionError = result.functionError;
    if (out.length > Limits.MAX_SYNC_PAYLOAD_BYTES) {
      out = Buffer.from(JSON.stringify({ errorMessage: `Response payload size exceeded maximum allowed payload size (${Limits.MAX_SYNC_PAYLOAD_BYTES + 100} bytes).`, errorType: "Function.ResponseSizeTooLarge" }));
      functionError = "Unhandled";
    }
    return {
      StatusCode: 200,
      FunctionError: functionError,
      ExecutedVersion: version,
      LogResult: input.LogType === "Tail" ? tail(result.logLines) : undefined,
      Payload: out,
    };
  }

  /** The deprecated asynchronous invoke: queued like InvocationType Event, answered with status 202. */
  async InvokeAsync(ctx: RequestContext, input: L.InvokeAsyncInput): Promise<L.InvokeAsyncOutput> {
    const r = await this.Invoke(ctx, { FunctionName: input.FunctionName, InvocationType: "Event", Payload: input.InvokeArgs });
    return { Status: r.StatusCode };
  }

  /**
   * A new or updated node function's snapshot blob gets ready now, not at its first invocation
   * (runtime/blueprint.ts), and a spare environment of its class starts (runtime/environments.ts), as for python.
   */
  protected override onFunctionSettled(account: string, region: string, name: string, row: FunctionRow): void {
    try {
      const usable = prepareNodeSnapshot(this.snapshots, this.codeRoot, row);
      const family = RUNTIMES[row.config.Runtime ?? ""];
      if (row.config.State !== "Active" || (family !== "nodejs" && family !== "python")) return;
      const bp = this.blueprintFor({ accountId: account, region }, name, "$LATEST", row);
      // Once its blob is usable: a spare started before would start plainly, without the SDK loaded.
      if (usable) void usable.then(() => this.closed || this.envs.expect(bp));
      else this.envs.expect(bp);
    } catch (e) {
      this.env.log.warn(`lambda: could not prepare the snapshot or a spare for ${row.config.FunctionName}`, e);
    }
  }

  /** Provisioned concurrency really pre-starts environments (they take start slots and memory like any other). */
  override PutProvisionedConcurrencyConfig(ctx: RequestContext, input: L.PutProvisionedConcurrencyConfigInput): L.PutProvisionedConcurrencyConfigOutput {
    const out = super.PutProvisionedConcurrencyConfig(ctx, input);
    this.provision(ctx, input.FunctionName, input.Qualifier, input.ProvisionedConcurrentExecutions);
    return out;
  }

  private provision(ctx: Pick<RequestContext, "accountId" | "region">, fn: string, qualifier: string, count: number): void {
    try {
      const { name, version, row } = this.resolve(ctx as RequestContext, fn, qualifier);
      if (RUNTIMES[row.config.Runtime ?? ""] === "unavailable") return;
      this.envs.provision(this.blueprintFor(ctx, name, version, row), count);
    } catch (e) {
      this.env.log.warn(`lambda: could not pre-start provisioned environments of ${fn}:${qualifier}`, e);
    }
  }

  /** At boot: every stored provisioned concurrency configuration gets its environments again. */
  private provisionAll(): void {
    const rows = this.env.store.db.prepare("SELECT account, region, key, doc FROM lambda_settings WHERE kind = 'provisioned'").all() as Array<{ account: string; region: string; key: string; doc: string }>;
    for (const r of rows) {
      const i = r.key.lastIndexOf(":");
      this.provision({ accountId: r.account, region: r.region }, r.key.slice(0, i), r.key.slice(i + 1), (JSON.parse(r.doc) as { requested: number }).requested);
    }
  }

  private blueprintFor(ctx: Pick<RequestContext, "accountId" | "region">, name: string, version: string, row: FunctionRow) {
    const meta = this.store.getMeta(ctx.accountId, ctx.region, name);
    return blueprint({ codeRoot: this.codeRoot, layers: this.layers, endpoint: this.env.services.localEndpoint, envKey: this.envKey(row.config, row.codeHex), sandbox: this.sandbox, caBundle: () => caBundleOf(this.env.config.dataDir), snapshots: this.snapshots }, ctx.accountId, ctx.region, name, version, row, meta.reserved ?? undefined);
  }

  /**
   * What an Invoke runs: the function version resolved and its environment blueprint, kept from one invocation to
   * the next until the store's next write (LambdaStore.remember) — a stored row read and its
   * configuration parsed, the meta read and the blueprint built cost more than the rest of Invoke together.
   * Only targets resolved without an alias (weighted routing draws per invocation) and not mid-update are kept.
   */
  private invokeTarget(ctx: RequestContext, fn: string, qualifier: string | undefined): { name: string; version: string; row: FunctionRow; bp?: EnvironmentBlueprint } {
    return this.store.remember(
      `invoke\0${ctx.accountId}\0${ctx.region}\0${fn}\0${qualifier ?? ""}`,
      () => {
        const target = this.resolve(ctx, fn, qualifier, true);
        const c = target.row.config;
        const q = parseFunctionName(ctx, fn, qualifier).qualifier;
        const direct = q === undefined || q === "$LATEST" || /^\d+$/.test(q);
        const keep = direct && c.State === "Active" && c.LastUpdateStatus !== "InProgress" && RUNTIMES[c.Runtime ?? ""] !== "unavailable";
        return keep ? { ...target, bp: this.blueprintFor(ctx, target.name, target.version, target.row) } : target;
      },
      (t) => "bp" in t,
    );
  }

  /** Runs one invocation in an environment of the function version (`bp`: its blueprint, when the caller has it). */
  async run(ctx: RequestContext, name: string, version: string, row: FunctionRow, payload: Buffer, invokedArn: string, clientContext?: string, known?: EnvironmentBlueprint): Promise<InvocationResult> {
    if (RUNTIMES[row.config.Runtime ?? ""] === "unavailable") {
      throw new ServiceError("InvalidRuntimeException", `The runtime or runtime version specified is not supported: Skyport cannot run ${row.config.Runtime} on this host (it runs ${Object.entries(RUNTIMES).filter(([, f]) => f !== "unavailable").map(([r]) => r).join(", ")}).`, 502);
    }
    const bp = known ?? this.blueprintFor(ctx, name, version, row);
    const recorded = startInvocation(this.env.services, ctx.accountId, ctx.region, name, invokedArn, () => this.env.clock.now());
    try {
      const r = await this.envs.invoke(bp, { requestId: this.env.ids.uuid(), payload, invokedArn, clientContext });
      recorded({ kind: r.functionError ? "error" : "ok", durationMs: r.durationMs });
      return r;
    } catch (e) {
      recorded(e instanceof ThrottledError ? { kind: "throttled" } : { kind: "error", durationMs: 0 });
      if (e instanceof ThrottledError) throw new ServiceError("TooManyRequestsException", Messages.throttled, 429, true, { Type: "User", Reason: e.reason });
      throw e;
    }
  }

  protected onFunctionDeleted(ctx: RequestContext, name: string): void {
    this.eventSources.deleteForFunction(ctx.accountId, ctx.region, functionArn(ctx, name));
    this.urls.deleteForFunction(ctx.accountId, ctx.region, name);
  }

  // ---- async invocations ----------------------------------------------------------------------------

  private async drainAsync(): Promise<void> {
    if (this.asyncBusy) return;
    this.asyncBusy = true;
    try {
      const now = this.env.clock.now();
      for (const job of this.store.due(now)) {
        if (this.asyncInFlight.has(job.id)) continue; // running longer than its timeout (it waited for an environment)
        const ctx = this.internalCtx(job.account, job.region);
        const m = /function:([^:]+)(?::(.+))?$/.exec(job.function_arn)!;
        let target: ReturnType<LambdaProvider["resolve"]>;
        try {
          target = this.resolve(ctx, job.function_arn, undefined, true);
        } catch {
          this.store.dequeue(job.id); // the function, version or alias is gone
          continue;
        }
        const { name, version, row } = target;
        const settings = this.invokeConfigs.get(job.account, job.region, name, m[2] ?? "$LATEST") ?? (m[2] ? undefined : this.invokeConfigs.get(job.account, job.region, name, ""));
        const maxRetries = settings?.MaximumRetryAttempts ?? Limits.ASYNC_RETRIES;
        // Mark the attempt before running so a crash of the server does not retry it forever. Until it ends, the job
        // is due again only once the function's timeout (and a margin) has passed: an attempt cut short by a crash
        // runs again right after a restart, not after a failed attempt's retry delay.
        this.store.retry(job.id, now + (row.config.Timeout ?? Limits.DEFAULT_TIMEOUT_SEC) * 1000 + IN_FLIGHT_MARGIN_MS);
        this.asyncInFlight.add(job.id);
        void this.run(ctx, name, version, row, Buffer.from(job.payload), job.function_arn).finally(() => this.asyncInFlight.delete(job.id)).then(
          (r) => {
            const done = !r.functionError || job.attempts >= maxRetries;
            if (!done) {
              this.store.postpone(job.id, this.env.clock.now() + RETRY_DELAYS_MS[Math.min(job.attempts, RETRY_DELAYS_MS.length - 1)]!, job.attempts + 1);
              return;
            }
            this.store.dequeue(job.id);
            const dest = r.functionError ? settings?.DestinationConfig?.OnFailure?.Destination : settings?.DestinationConfig?.OnSuccess?.Destination;
            if (dest) {
              const record = destinationRecord({ requestId: job.request_id, functionArn: job.function_arn.includes(":function:" + name + ":") ? job.function_arn : `${job.function_arn}:$LATEST`, success: !r.functionError, attempts: job.attempts + 1, requestPayload: Buffer.from(job.payload), responsePayload: r.payload, functionError: r.functionError, executedVersion: version, now: this.env.clock.now() });
              this.store.enqueue(job.account, job.region, dest, this.env.ids.uuid(), record, this.env.clock.now());
            }
          },
          (e) => {
            // Throttled (no concurrency left): retried soon, as AWS retries throttled events, without using up an attempt.
            if (e instanceof ThrottledError || (e instanceof ServiceError && e.status === 429)) this.store.postpone(job.id, this.env.clock.now() + THROTTLE_RETRY_MS, job.attempts);
          },
        );
      }
    } catch (e) {
      this.env.log.warn("lambda: async queue", e);
    } finally {
      this.asyncBusy = false;
    }
  }

  private internalCtx(accountId: string, region: string): RequestContext {
    return { requestId: this.env.ids.uuid(), accountId, region, service: "lambda", operation: "", principal: { accessKeyId: accountId, anonymous: false }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
  }

  // ---- data plane: Runtime API and code download ----------------------------------------------------

  /** A Runtime API request over the data plane's body limit. */
  handleOversize(path: string, method: string): HttpResponse {
    return handleOversizeRuntimeApi(path, method, this.envs, Limits.MAX_SYNC_PAYLOAD_BYTES + 100);
  }

  async handleDataPlane(req: HttpRequest): Promise<HttpResponse> {
    if (req.path.startsWith(RUNTIME_API_PREFIX)) return handleRuntimeApi(req, this.envs);
    const id = req.path.slice(CODE_PREFIX.length).replace(/\.zip$/, "");
    const refused = this.codeUrls.check(id, req.query, this.env.clock.now());
    if (refused) {
      const [code, message] = refused === "expired" ? ["AccessDenied", "Request has expired"] : ["SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."];
      return { status: 403, headers: { "Content-Type": "application/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>` };
    }
    if (!/^[0-9a-f]{64}$/.test(id) || !this.env.store.blobs.has(id)) return { status: 404, headers: { "Content-Type": "application/xml" }, body: "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>" };
    return { status: 200, headers: { "Content-Type": "application/zip" }, body: this.env.store.blobs.get(id) };
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /**
   * Graceful shutdown: takes no new background work, lets the invocations in flight finish (their Runtime API
   * calls and their calls back to Skyport still work) until `deadline`, then flushes their logs.
   */
  async drain(deadline: number): Promise<void> {
    clearInterval(this.asyncTimer);
    this.eventSources.close();
    while (this.envs.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Idle environments hold a long-poll on the Runtime API: stop them so the server can close its connections.
    this.envs.killAll();
    await this.logs.flush();
  }

  health(): Record<string, unknown> {
    return { ...this.reporter.health(), snapshot: this.snapshots ? this.snapshots.health() : { off: true } };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopBoot?.();
    await this.snapshots?.close();
    this.reporter.close();
    this.closeFunctionOps();
    clearInterval(this.asyncTimer);
    this.eventSources.close();
    this.envs.close();
    await this.logs.flush();
  }

  reset(): void {
    this.store.invalidate();
    this.envs.killAll();
    this.logs.reset();
  }
}

function checkJson(payload: Buffer): void {
  try {
    JSON.parse(payload.toString("utf8") || "null");
  } catch {
    throw new ServiceError("InvalidRequestContentException", "Could not parse request body into json: Could not parse payload into json: Unexpected character", 400);
  }
}

/** The last 4 KB of an invocation's log, base64, as X-Amz-Log-Result. */
function tail(lines: string[]): string {
  const text = Buffer.from(lines.join("\n") + "\n");
  return text.subarray(Math.max(0, text.length - Limits.LOG_TAIL_BYTES)).toString("base64");
}

export const createProvider = (env: ServiceEnv) => new LambdaProvider(env);
export { CODE_PREFIX };
