/**
 * Function states as AWS reports them ("Lambda function states"): a new function is Pending (StateReasonCode
 * Creating) and LastUpdateStatus InProgress until its code is unpacked where environments run it, then Active
 * and Successful (or Failed); an update is InProgress, then Successful. The moment lasts --lambda-state-ms
 * (0 by default: the next turn of the event loop, before a client can send its next request). Transitions are
 * timers; a restart finishes the ones it finds still open (resume()), so nothing stays Pending forever.
 */
import { createHash } from "node:crypto";
import type { FunctionConfiguration } from "../../aws/api/lambda.js";
import { ServiceError } from "../../aws/errors.js";
import type { Store } from "../../store/store.js";
import { checkZip, extractCode } from "./code.js";
import { functionArn } from "./functions.js";
import type { LambdaStore } from "./store.js";

export const StateText = {
  creating: "The function is being created.",
  /** AWS words an update in progress the same way (LastUpdateStatusReason of GetFunctionConfiguration). */
  updating: "The function is being created.",
  pending: (state: string) => `The operation cannot be performed at this time. The function is currently in the following state: ${state}`,
  updateInProgress: (arn: string) => `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
} as const;

/** The runtime version a function runs (stable per runtime identifier, as AWS's are per release). */
export function runtimeVersionConfig(region: string, runtime?: string): FunctionConfiguration["RuntimeVersionConfig"] {
  if (!runtime) return undefined;
  return { RuntimeVersionArn: `arn:aws:lambda:${region}::runtime:${createHash("sha256").update(`skyport:${runtime}`).digest("hex")}` };
}

/** The fields a configuration carries while its creation or update is under way. */
export const creatingFields = { State: "Pending", StateReason: StateText.creating, StateReasonCode: "Creating", LastUpdateStatus: "InProgress", LastUpdateStatusReason: StateText.creating, LastUpdateStatusReasonCode: "Creating" } as const;
export const updatingFields = { LastUpdateStatus: "InProgress", LastUpdateStatusReason: StateText.updating, LastUpdateStatusReasonCode: "Creating" } as const;

/** Refuses an operation AWS refuses while the function is Pending or an update is in progress. */
export function checkSettled(config: FunctionConfiguration, ctx: { accountId: string; region: string }): void {
  if (config.State === "Pending") throw new ServiceError("ResourceConflictException", StateText.pending("Pending"), 409, true, { Type: "User" });
  if (config.LastUpdateStatus === "InProgress") throw new ServiceError("ResourceConflictException", StateText.updateInProgress(functionArn(ctx, config.FunctionName!)), 409, true, { Type: "User" });
}

export class FunctionStates {
  /** Pending transitions: key → how to cancel it. */
  private readonly timers = new Map<string, () => void>();

  constructor(
    private readonly store: LambdaStore,
    private readonly db: Store,
    private readonly codeRoot: string,
    private readonly delayMs: number,
  ) {}

  /** Ends the creation or update of the function's $LATEST after the configured moment. */
  schedule(account: string, region: string, name: string): void {
    const key = `${account}\n${region}\n${name}`;
    this.cancel(key);
    const run = () => {
      this.timers.delete(key);
      this.settle(account, region, name);
    };
    if (this.delayMs > 0) {
      const t = setTimeout(run, this.delayMs);
      t.unref();
      this.timers.set(key, () => clearTimeout(t));
    } else {
      const t = setImmediate(run);
      t.unref();
      this.timers.set(key, () => clearImmediate(t));
    }
  }

  /** After a restart: finishes the transitions that were under way when Skyport stopped. */
  resume(): void {
    for (const f of this.store.unsettled()) this.schedule(f.account, f.region, f.name);
  }

  close(): void {
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }

  private cancel(key: string): void {
    this.timers.get(key)?.();
    this.timers.delete(key);
  }

  private settle(account: string, region: string, name: string): void {
    const row = this.store.getFunction(account, region, name, "$LATEST");
    if (!row || (row.config.State !== "Pending" && row.config.LastUpdateStatus !== "InProgress")) return;
    let failure: string | undefined;
    try {
      if (!row.codeBlob.startsWith("dir:")) extractCode(this.codeRoot, { hex: row.codeHex, sha256: row.config.CodeSha256 ?? "", size: row.config.CodeSize ?? 0 }, () => checkZip(this.db.blobs.get(row.codeBlob)));
    } catch (e) {
      failure = (e as Error).message;
    }
    const c: FunctionConfiguration = { ...row.config };
    delete c.LastUpdateStatusReason;
    delete c.LastUpdateStatusReasonCode;
    if (c.State === "Pending") {
      delete c.StateReason;
      delete c.StateReasonCode;
      c.State = failure ? "Failed" : "Active";
      if (failure) Object.assign(c, { StateReason: failure, StateReasonCode: "InvalidZipFileException" });
    }
    c.LastUpdateStatus = failure ? "Failed" : "Successful";
    if (failure) Object.assign(c, { LastUpdateStatusReason: failure, LastUpdateStatusReasonCode: "InvalidZipFileException" });
    this.db.openWriteGroup();
    this.store.putFunction(account, region, name, "$LATEST", { ...row, config: c });
    // A version published while $LATEST was being created or updated shares its code: it settles with it.
    for (const v of this.store.listVersions(account, region, name)) {
      if (v.Version === "$LATEST" || (v.State !== "Pending" && v.LastUpdateStatus !== "InProgress")) continue;
      const vr = this.store.getFunction(account, region, name, v.Version!)!;
      this.store.putFunction(account, region, name, v.Version!, { ...vr, config: { ...vr.config, State: c.State, StateReason: c.StateReason, StateReasonCode: c.StateReasonCode, LastUpdateStatus: c.LastUpdateStatus, LastUpdateStatusReason: c.LastUpdateStatusReason, LastUpdateStatusReasonCode: c.LastUpdateStatusReasonCode } });
    }
  }
}
