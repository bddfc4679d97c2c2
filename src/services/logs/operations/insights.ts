/**
 * Logs Insights: StartQuery runs the query at once (bounded: a scan budget and 10,000 result rows) and
 * stores its results; GetQueryResults answers them with status Complete; StopQuery therefore always finds
 * the query ended (AWS: "returns an error indicating that the specified query is not running");
 * DescribeQueries lists them. Results are kept 7 days, as AWS keeps them. Saved queries (query
 * definitions) are stored: Put/Describe/DeleteQueryDefinition.
 */
import type * as L from "../../../aws/api/logs.js";
import { ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceEnv } from "../../host.js";
import { eventFields, runQuery, type InputEvent } from "../insights/execute.js";
import { parseQuery, QueryError } from "../insights/parse.js";
import type { EventRow, GroupRow, LogsStore, ObjectRow } from "../store.js";
import { decodePageToken, encodePageToken } from "../tokens.js";
import { checks, invalidParameter, notFound } from "../validate.js";
import { groupNameOfArn } from "./common.js";

const KEEP_MS = 7 * 24 * 3600 * 1000;
/** Events a query may read before it answers with what it has (AWS queries also stop at a time limit). */
const SCAN_BUDGET = 1_000_000;
const MAX_GROUPS = 50;

interface StoredQuery {
  queryId: string;
  queryString: string;
  status: string;
  createTime: number;
  logGroupName: string;
  results: L.GetQueryResultsOutput["results"];
  statistics: L.GetQueryResultsOutput["statistics"];
}

interface QueryDefinition {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  lastModified: number;
  logGroupNames?: string[];
}

type OffsetToken = { o: number };
const isOffsetToken = (v: unknown): v is OffsetToken => Number.isSafeInteger((v as OffsetToken)?.o) && (v as OffsetToken).o >= 0;
type NameToken = { n: string };
const isNameToken = (v: unknown): v is NameToken => typeof (v as NameToken)?.n === "string";

export class Insights {
  constructor(
    private readonly store: LogsStore,
    private readonly env: ServiceEnv,
  ) {}

  startQuery(ctx: RequestContext, input: L.StartQueryInput): L.StartQueryOutput {
    checks()
      .string(input.logGroupName, "logGroupName", 1, 512)
      .size(input.logGroupNames, "logGroupNames", 0, MAX_GROUPS)
      .size(input.logGroupIdentifiers, "logGroupIdentifiers", 0, MAX_GROUPS)
      .range(input.startTime, "startTime", 0)
      .range(input.endTime, "endTime", 0)
      .string(input.queryString, "queryString", 0, 10_000)
      .range(input.limit, "limit", 1, 10_000)
      .throwIfAny();
    const given = [input.logGroupName !== undefined, input.logGroupNames !== undefined, input.logGroupIdentifiers !== undefined].filter(Boolean).length;
    if (given !== 1) throw invalidParameter("Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.");
    if (input.endTime < input.startTime) throw invalidParameter("End time should not be before the start time.");
    const groups = this.groups(ctx, input);
    let commands;
    try {
      commands = parseQuery(input.queryString);
    } catch (e) {
      if (!(e instanceof QueryError)) throw e;
      throw new ServiceError("MalformedQueryException", e.message, 400, true, {
        queryCompileError: { location: { startCharOffset: e.start, endCharOffset: e.end }, message: e.message },
      });
    }
    const out = runQuery(commands, this.events(groups, input.startTime * 1000, input.endTime * 1000 + 999), input.limit);
    const now = ctx.clock.now();
    const q: StoredQuery = {
      queryId: this.env.ids.uuid(),
      queryString: input.queryString,
      status: "Complete",
      createTime: now,
      logGroupName: groups[0]!.name,
      results: out.rows,
      statistics: { recordsMatched: out.recordsMatched, recordsScanned: out.recordsScanned, bytesScanned: out.bytesScanned },
    };
    this.store.tx(() => {
      this.store.s.deleteOldObjects!.run(ctx.accountId, ctx.region, "query", now - KEEP_MS);
      this.store.s.putObject!.run(ctx.accountId, ctx.region, "query", q.queryId, JSON.stringify(q), now);
    });
    return { queryId: q.queryId };
  }

  getQueryResults(ctx: RequestContext, input: L.GetQueryResultsInput): L.GetQueryResultsOutput {
    const q = this.query(ctx, input.queryId);
    return { results: q.results, statistics: q.statistics, status: q.status };
  }

  stopQuery(ctx: RequestContext, input: L.StopQueryInput): L.StopQueryOutput {
    this.query(ctx, input.queryId);
    throw invalidParameter("The specified query is not running.");
  }

  describeQueries(ctx: RequestContext, input: L.DescribeQueriesInput): L.DescribeQueriesOutput {
    checks()
      .oneOf(input.status, "status", ["Scheduled", "Running", "Complete", "Failed", "Cancelled", "Timeout", "Unknown"])
      .range(input.maxResults, "maxResults", 1, 1000)
      .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
      .throwIfAny();
    const after = input.nextToken !== undefined ? decodePageToken(input.nextToken, isNameToken).n : "";
    const max = input.maxResults ?? 1000;
    const queries: NonNullable<L.DescribeQueriesOutput["queries"]> = [];
    let last = "";
    for (const r of this.store.s.listObjects!.iterate(ctx.accountId, ctx.region, "query", after) as IterableIterator<ObjectRow>) {
      const q = JSON.parse(r.body) as StoredQuery;
      if (input.logGroupName !== undefined && q.logGroupName !== input.logGroupName) continue;
      if (input.status !== undefined && q.status !== input.status) continue;
      if (queries.length === max) return { queries, nextToken: encodePageToken({ n: last } satisfies NameToken) };
      queries.push({ queryId: q.queryId, queryString: q.queryString, status: q.status, createTime: q.createTime, logGroupName: q.logGroupName });
      last = r.name;
    }
    return { queries };
  }

  // ---------------------------------------------------------------- saved queries (query definitions)

  putQueryDefinition(ctx: RequestContext, input: L.PutQueryDefinitionInput): L.PutQueryDefinitionOutput {
    checks()
      .string(input.name, "name", 1, 255)
      .string(input.queryDefinitionId, "queryDefinitionId", 0, 256)
      .size(input.logGroupNames, "logGroupNames", 0, MAX_GROUPS)
      .string(input.queryString, "queryString", 1, 10_000)
      .string(input.clientToken, "clientToken", 36, 128)
      .throwIfAny();
    let id = input.queryDefinitionId;
    if (id !== undefined) {
      if (!this.store.s.getObject!.get(ctx.accountId, ctx.region, "query-definition", id)) throw notFound("The specified query definition does not exist.");
    } else id = this.env.ids.uuid();
    const d: QueryDefinition = { queryDefinitionId: id, name: input.name, queryString: input.queryString, lastModified: ctx.clock.now(), ...(input.logGroupNames ? { logGroupNames: input.logGroupNames } : {}) };
    this.store.s.putObject!.run(ctx.accountId, ctx.region, "query-definition", id, JSON.stringify(d), ctx.clock.now());
    return { queryDefinitionId: id };
  }

  describeQueryDefinitions(ctx: RequestContext, input: L.DescribeQueryDefinitionsInput): L.DescribeQueryDefinitionsOutput {
    checks()
      .string(input.queryDefinitionNamePrefix, "queryDefinitionNamePrefix", 1, 255)
      .range(input.maxResults, "maxResults", 1, 1000)
      .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
      .throwIfAny();
    const all = (this.store.s.listObjects!.all(ctx.accountId, ctx.region, "query-definition", "") as ObjectRow[])
      .map((r) => JSON.parse(r.body) as QueryDefinition)
      .filter((d) => input.queryDefinitionNamePrefix === undefined || d.name.startsWith(input.queryDefinitionNamePrefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.queryDefinitionId < b.queryDefinitionId ? -1 : 1));
    const offset = input.nextToken !== undefined ? decodePageToken(input.nextToken, isOffsetToken).o : 0;
    const max = input.maxResults ?? 1000;
    const out: L.DescribeQueryDefinitionsOutput = { queryDefinitions: all.slice(offset, offset + max) };
    if (offset + max < all.length) out.nextToken = encodePageToken({ o: offset + max } satisfies OffsetToken);
    return out;
  }

  deleteQueryDefinition(ctx: RequestContext, input: L.DeleteQueryDefinitionInput): L.DeleteQueryDefinitionOutput {
    checks().string(input.queryDefinitionId, "queryDefinitionId", 0, 256).throwIfAny();
    if (!this.store.s.deleteObject!.run(ctx.accountId, ctx.region, "query-definition", input.queryDefinitionId).changes) throw notFound("The specified query definition does not exist.");
    return { success: true };
  }

  /** The whole record behind a result's @ptr (only within the caller's account and Region). */
  getLogRecord(ctx: RequestContext, input: L.GetLogRecordInput): L.GetLogRecordOutput {
    checks().string(input.logRecordPointer, "logRecordPointer", 1, 2048).throwIfAny();
    const m = /^(\d+):(\d+)$/.exec(Buffer.from(input.logRecordPointer, "base64url").toString("utf8"));
    const bad = () => invalidParameter("The specified logRecordPointer is not valid.");
    if (!m) throw bad();
    const r = this.store.s.getEvent!.get(Number(m[2])) as (EventRow & { group_id: number }) | undefined;
    const g = r && r.group_id === Number(m[1]) ? (this.store.s.getGroupById!.get(r.group_id) as GroupRow | undefined) : undefined;
    if (!r || !g || g.account !== ctx.accountId || g.region !== ctx.region) throw bad();
    const stream = this.store.s.getStreamById!.get(r.stream_id) as { name: string } | undefined;
    return { logRecord: eventFields({ timestamp: r.ts, ingestionTime: r.ingest, message: r.message, logStream: stream?.name ?? "", log: `${g.account}:${g.name}`, ptr: input.logRecordPointer }) };
  }

  private query(ctx: RequestContext, id: string): StoredQuery {
    checks().string(id, "queryId", 1, 256).throwIfAny();
    const r = this.store.s.getObject!.get(ctx.accountId, ctx.region, "query", id) as ObjectRow | undefined;
    if (!r || r.created < ctx.clock.now() - KEEP_MS) throw notFound("The specified query does not exist.");
    return JSON.parse(r.body) as StoredQuery;
  }

  private groups(ctx: RequestContext, input: L.StartQueryInput): GroupRow[] {
    const names = input.logGroupName !== undefined ? [input.logGroupName] : (input.logGroupNames ?? input.logGroupIdentifiers!);
    if (!names.length) throw invalidParameter("At least one log group must be specified.");
    return names.map((n) => {
      let account = ctx.accountId;
      let region = ctx.region;
      let name = n;
      if (n.startsWith("arn:")) {
        const p = groupNameOfArn(n);
        if (p) ({ account, region, name } = p);
      }
      const g = this.store.getGroup(account, region, name);
      if (!g) throw notFound(`Log group '${name}' does not exist for account ID '${account}'`);
      return g;
    });
  }

  /** The events of the groups in [startMs, endMs], in time order, within the scan budget (one statement: no nested iterators). */
  private *events(groups: GroupRow[], startMs: number, endMs: number): Generator<InputEvent> {
    const byId = new Map(groups.map((g) => [g.id, g]));
    const streams = new Map<number, string>();
    for (const g of groups) for (const r of this.store.s.streamNames!.all(g.id) as Array<{ id: number; name: string }>) streams.set(r.id, r.name);
    const ids = [...byId.keys()];
    const rows = this.store.db
      .prepare(
        `SELECT group_id, seq, stream_id, ts, ingest, message FROM logs_events
           WHERE group_id IN (${ids.map(() => "?").join(",")}) AND ts >= ? AND ts <= ? ORDER BY ts, seq LIMIT ?`,
      )
      .iterate(...ids, startMs, endMs, SCAN_BUDGET) as IterableIterator<EventRow & { group_id: number }>;
    for (const r of rows) {
      const g = byId.get(r.group_id)!;
      yield {
        timestamp: r.ts,
        ingestionTime: r.ingest,
        message: r.message,
        logStream: streams.get(r.stream_id) ?? "",
        log: `${g.account}:${g.name}`,
        ptr: Buffer.from(`${g.id}:${r.seq}`).toString("base64url"),
      };
    }
  }
}
