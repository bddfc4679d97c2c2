/**
 * TransactWriteItems and TransactGetItems. A write transaction is one SQLite transaction: every condition
 * is checked first (all cancellation reasons are reported, in order, as AWS does), then every write is
 * applied; any failure rolls everything back. ClientRequestToken makes a request idempotent for 10 minutes.
 */
import { createHash } from "node:crypto";
import type { TransactGetItemsInput, TransactGetItemsOutput, TransactWriteItemsInput, TransactWriteItemsOutput } from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits, Messages } from "../constants.js";
import type { Item } from "../store.js";
import { keyFromKey, validation } from "../validate.js";
import { itemSize } from "./deps.js";
import { evaluateCondition } from "./deps.js";
import { CapacityMeter, itemCollectionMetrics, transactReadUnits } from "./capacity.js";
import { requireTable, type Dynamo } from "./context.js";
import { bindKey, bindWrite, parseWrite, writeChecked, type PreparedWrite, type WriteInput, type WriteKind } from "./items.js";
import { checkRequestConstraints } from "./constraints.js";
import type { EncodedKey } from "./engine.js";
import { attributesOf, checkItemValues, projectionOf, wireItem } from "./params.js";

export interface Reason {
  Code: string;
  Message?: string;
  Item?: Item;
}

/** The TransactionCanceledException AWS returns, with one reason per item in request order. */
export function cancelled(reasons: Reason[]): ServiceError {
  const codes = reasons.map((r) => r.Code).join(", ");
  return new ServiceError("TransactionCanceledException", `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`, 400, true, {
    CancellationReasons: reasons.map((r) => (r.Item ? { ...r, Item: wireItem(r.Item) } : r)),
  });
}

function checkCount(n: number, field: string, wire: string): void {
  if (n < 1) throw validation(constraintMessage([`Value '[]' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to 1`]));
  if (n > Limits.MAX_TRANSACT_ITEMS) throw validation(constraintMessage([`Value at '${wire}' failed to satisfy constraint: Member must have length less than or equal to ${Limits.MAX_TRANSACT_ITEMS}`]));
}

/** A key error of one action: a mistyped or incomplete key cancels the transaction, other key errors refuse the request. */
function keyError(e: unknown, i: number, n: number): unknown {
  if (!(e instanceof ServiceError) || e.code !== "ValidationException") return e;
  if (e.message !== Messages.KEY_SCHEMA_MISMATCH && !e.message.includes("Type mismatch")) return e;
  return cancelled(Array.from({ length: n }, (_, j): Reason => (j === i ? { Code: "ValidationError", Message: e.message } : { Code: "None" })));
}

/**
 * Prepares the writes of a transaction in AWS's order: every action's parameters and expressions, then
 * every table, then the keys (a mistyped key cancels the transaction), then two operations on one item.
 */
export function prepareTransaction(d: Dynamo, ctx: RequestContext, items: TransactWriteItemsInput["TransactItems"]): PreparedWrite[] {
  const parsed = items.map((ti, i) => {
    const kinds = (["Put", "Update", "Delete", "ConditionCheck"] as const).filter((k) => ti[k] !== undefined);
    if (kinds.length !== 1) throw validation("TransactItems can only contain one of Check, Put, Update or Delete");
    const kind: WriteKind = kinds[0]!;
    const input = ti[kind] as unknown as WriteInput;
    return { w: parseWrite(kind, input, `transactItems.${i + 1}.member`), input };
  });
  for (const p of parsed) bindWrite(d, ctx, p.w, p.input, false);
  const seen = new Set<string>();
  return parsed.map(({ w, input }, i) => {
    try {
      bindKey(w, input);
    } catch (e) {
      throw keyError(e, i, parsed.length);
    }
    const id = `${w.meta.tid}:${w.key.pk.toString("hex")}:${w.key.sk.toString("hex")}`;
    if (seen.has(id)) throw validation("Transaction request cannot include multiple operations on one item");
    seen.add(id);
    return w;
  });
}

/** Runs prepared writes all-or-nothing. Call outside any transaction. */
export function runTransaction(d: Dynamo, writes: PreparedWrite[], meter?: CapacityMeter): Array<{ old?: Item; next?: Item }> {
  return d.store.tx(() => {
    const olds = writes.map((w) => d.engine.get(w.meta, w.key));
    let failed = false;
    const reasons: Reason[] = writes.map((w, i) => {
      const old = olds[i];
      if (w.condition && !evaluateCondition(w.condition, old)) {
        failed = true;
        const r: Reason = { Code: "ConditionalCheckFailed", Message: Messages.CONDITION_FAILED };
        if (w.returnOldOnFailure && old) r.Item = old;
        return r;
      }
      return { Code: "None" };
    });
    if (failed) throw cancelled(reasons);
    return writes.map((w, i) => {
      try {
        const r = writeChecked(d, w, olds[i]);
        if (meter?.on) {
          if (w.kind === "ConditionCheck") meter.tableWrite(w.meta, 2, w.given);
          else meter.write(w.meta, r.old, w.kind === "Delete" ? undefined : r.next, 2, w.given);
        }
        return r;
      } catch (e) {
        if (e instanceof ServiceError && e.code === "ValidationException") {
          const rs: Reason[] = writes.map((_, j) => (j === i ? { Code: "ValidationError", Message: e.message } : { Code: "None" }));
          throw cancelled(rs);
        }
        throw e;
      }
    });
  });
}

export function transactWriteItems(d: Dynamo, ctx: RequestContext, input: TransactWriteItemsInput): TransactWriteItemsOutput {
  const token = input.ClientRequestToken;
  // Member constraints together, the token first (as AWS lists them).
  const tokenViolation =
    token !== undefined && (token.length < 1 || token.length > 36)
      ? [`Value '${token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length ${token.length < 1 ? "greater than or equal to 1" : "less than or equal to 36"}`]
      : [];
  checkRequestConstraints(input as Record<string, unknown>, tokenViolation);
  const mode = input.ReturnConsumedCapacity ?? "NONE";
  checkCount(input.TransactItems.length, "transactItems", "TransactItems");
  let hash = "";
  if (token !== undefined) {
    hash = createHash("sha256").update(JSON.stringify(input.TransactItems, (k, v) => (v instanceof Uint8Array || (v && v.type === "Buffer") ? Buffer.from(v.data ?? v).toString("base64") : v))).digest("hex");
    const now = d.clock.now();
    d.store.stmt("DELETE FROM dynamodb_tokens WHERE created < ?").run(now - Limits.IDEMPOTENCY_WINDOW_MS);
    const prev = d.store.stmt("SELECT hash FROM dynamodb_tokens WHERE account = ? AND region = ? AND token = ?").get(ctx.accountId, ctx.region, token) as { hash: string } | undefined;
    if (prev) {
      if (prev.hash !== hash) throw new ServiceError("IdempotentParameterMismatchException", "Request parameters did not match the previous request with the same ClientRequestToken", 400);
      // Same request again within 10 minutes: succeeds without writing twice, and (API_TransactWriteItems,
      // ClientRequestToken) reports the read units of reading the items instead of the write units.
      const replay = new CapacityMeter(mode, true);
      if (!replay.on) return {};
      const writes = prepareTransaction(d, ctx, input.TransactItems);
      d.store.tx(() => {
        for (const w of writes) {
          const item = d.engine.get(w.meta, w.key);
          replay.read(w.meta, transactReadUnits(item ? itemSize(item) : 0), undefined, w.given);
        }
      });
      return { ConsumedCapacity: replay.list() };
    }
  }
  const meter = new CapacityMeter(mode, true);
  const writes = prepareTransaction(d, ctx, input.TransactItems);
  const results = d.store.tx(() => {
    const r = runTransaction(d, writes, meter);
    if (token !== undefined) d.store.stmt("INSERT INTO dynamodb_tokens (account, region, token, hash, created) VALUES (?, ?, ?, ?, ?)").run(ctx.accountId, ctx.region, token, hash, d.clock.now());
    return r;
  });
  const out: TransactWriteItemsOutput = {};
  if (meter.on) out.ConsumedCapacity = meter.list();
  if (input.ReturnItemCollectionMetrics === "SIZE") {
    const m: NonNullable<TransactWriteItemsOutput["ItemCollectionMetrics"]> = {};
    writes.forEach((w, i) => {
      const icm = itemCollectionMetrics(w.meta, results[i]!.next ?? results[i]!.old, "SIZE");
      if (icm) (m[w.meta.name] ??= []).push(icm);
    });
    out.ItemCollectionMetrics = m;
  }
  return out;
}

export function transactGetItems(d: Dynamo, ctx: RequestContext, input: TransactGetItemsInput): TransactGetItemsOutput {
  checkRequestConstraints(input as Record<string, unknown>);
  const mode = input.ReturnConsumedCapacity ?? "NONE";
  checkCount(input.TransactItems.length, "transactItems", "TransactItems");
  // Every action's projection and key values, then the tables, then the keys, then duplicates.
  const parsed = input.TransactItems.map((ti) => {
    const g = ti.Get;
    const attrs = attributesOf(g as Record<string, unknown>);
    const paths = projectionOf(g as Record<string, unknown>, attrs);
    attrs.assertAllUsed();
    checkItemValues(g.Key);
    return { g, paths };
  });
  const metas = parsed.map(({ g }) => requireTable(d, ctx, g.TableName));
  const seen = new Set<string>();
  const gets = parsed.map(({ g, paths }, i) => {
    const meta = metas[i]!;
    let key: EncodedKey;
    try {
      key = keyFromKey(meta, g.Key);
    } catch (e) {
      throw keyError(e, i, parsed.length);
    }
    const id = `${meta.tid}:${key.pk.toString("hex")}:${key.sk.toString("hex")}`;
    if (seen.has(id)) throw validation("Transaction request cannot include multiple operations on one item");
    seen.add(id);
    return { meta, given: g.TableName, key, paths };
  });
  const meter = new CapacityMeter(mode, true);
  const responses = d.store.tx(() =>
    gets.map((g) => {
      const hit = d.engine.answer(g.meta, g.key, g.paths);
      if (meter.on) meter.read(g.meta, transactReadUnits(hit?.size ?? 0), undefined, g.given);
      return hit ? { Item: hit.item } : {};
    }),
  );
  const out: TransactGetItemsOutput = { Responses: responses };
  if (meter.on) out.ConsumedCapacity = meter.list();
  return out;
}
