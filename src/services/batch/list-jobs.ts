/**
 * ListJobs: by queue, array parent (arrayJobId) or multi-node parent, with jobStatus (RUNNING when neither a
 * status nor a filter is given, as AWS does) or one filter (JOB_NAME with a trailing-* prefix,
 * BEFORE_CREATED_AT, AFTER_CREATED_AT, JOB_DEFINITION; a filter lists every status), newest first, paginated
 * by an opaque (createdAt, id) key so a page costs O(page) with the batch_jobs indexes.
 */
import type { RequestContext } from "../../edge/context.js";
import { Limits, STATUSES } from "./constants.js";
import type { Job } from "./model.js";
import { clientError, nameOf } from "./resources.js";
import type { BatchStore } from "./store.js";

interface ListInput {
  jobQueue?: string;
  arrayJobId?: string;
  multiNodeJobId?: string;
  jobStatus?: string;
  maxResults?: number;
  nextToken?: string;
  filters?: Array<{ name?: string; values?: string[] }>;
}

export function listJobs(s: BatchStore, ctx: RequestContext, input: ListInput, queueArn: (ref: string) => string | undefined) {
  const where: string[] = ["account = ?", "region = ?"];
  const args: unknown[] = [ctx.accountId, ctx.region];
  if (input.arrayJobId) {
    where.push("parent = ?");
    args.push(input.arrayJobId);
  } else if (input.multiNodeJobId) {
    where.push("parent = ?");
    args.push(`${input.multiNodeJobId}#`); // no multi-node jobs run here: an empty list
  } else if (input.jobQueue) {
    const arn = queueArn(input.jobQueue);
    if (!arn) throw clientError(`Job queue ${nameOf(input.jobQueue, "job-queue")} does not exist`);
    where.push("queue = ?", "parent IS NULL");
    args.push(arn);
  } else throw clientError("Either jobQueue, arrayJobId or multiNodeJobId must be specified");
  const filters = input.filters ?? [];
  if (filters.length > 1) throw clientError("Only one filter can be specified");
  const f = filters[0];
  let post: ((j: Job) => boolean) | undefined;
  if (f) {
    const v = f.values?.[0] ?? "";
    if (f.values?.length !== 1) throw clientError("A filter takes exactly one value");
    switch (f.name) {
      case "JOB_NAME":
        if (v.endsWith("*")) {
          where.push("name >= ? AND name < ?");
          args.push(v.slice(0, -1), `${v.slice(0, -1)}\u{10FFFF}`);
        } else {
          where.push("name = ?");
          args.push(v);
        }
        break;
      case "BEFORE_CREATED_AT":
      case "AFTER_CREATED_AT": {
        const t = Number(v);
        if (!Number.isFinite(t)) throw clientError(`Invalid value for ${f.name}: ${v}`);
        where.push(f.name === "BEFORE_CREATED_AT" ? "created < ?" : "created > ?");
        args.push(t);
        break;
      }
      case "JOB_DEFINITION": {
        post = (j) => (v.endsWith("*") ? j.jobDefinition.split("/").pop()!.startsWith(v.slice(0, -1)) : j.jobDefinition.split("/").pop() === v || j.jobDefinition === v || j.jobDefinition.split("/").pop()!.split(":")[0] === v);
        break;
      }
      default:
        throw clientError(`Invalid filter name ${f.name}`);
    }
  } else {
    const status = input.jobStatus ?? "RUNNING";
    if (!(STATUSES as readonly string[]).includes(status)) throw clientError(`Invalid jobStatus ${status}`);
    where.push("status = ?");
    args.push(status);
  }
  if (input.nextToken) {
    const [t, id] = Buffer.from(input.nextToken, "base64url").toString("utf8").split("\u0000");
    if (!Number.isFinite(Number(t)) || id === undefined) throw clientError("Invalid nextToken");
    where.push("(created < ? OR (created = ? AND id < ?))");
    args.push(Number(t), Number(t), id);
  }
  const max = Math.min(Math.max(input.maxResults ?? Limits.LIST_DEFAULT, 1), Limits.LIST_MAX);
  const sql = `SELECT body FROM batch_jobs WHERE ${where.join(" AND ")} ORDER BY created DESC, id DESC LIMIT ${max + 1}`;
  let jobs = (s.q(sql).all(...args) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as Job);
  const more = jobs.length > max;
  jobs = jobs.slice(0, max);
  const last = jobs.at(-1);
  if (post) jobs = jobs.filter(post);
  return {
    jobSummaryList: jobs.map((j) => ({
      jobArn: j.jobArn,
      jobId: j.jobId,
      jobName: j.jobName,
      createdAt: j.createdAt,
      status: j.status,
      statusReason: j.statusReason,
      startedAt: j.startedAt,
      stoppedAt: j.stoppedAt,
      container: j.container && (j.container.exitCode !== undefined || j.container.reason) ? { exitCode: j.container.exitCode as number | undefined, reason: j.container.reason as string | undefined } : undefined,
      arrayProperties: j.arrayProperties ? { size: j.arrayProperties.size, index: j.arrayProperties.index } : undefined,
      jobDefinition: j.jobDefinition,
    })),
    nextToken: more && last ? Buffer.from(`${last.createdAt}\u0000${last.jobId}`).toString("base64url") : undefined,
  };
}
