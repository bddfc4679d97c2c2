/**
 * Target kinds: how a delivery reaches the service an ARN names, in process (env.services.call).
 * - Lambda functions (and versions/aliases): `Invoke` with InvocationType Event — Lambda's own persisted
 *   queue then runs the function.
 * - Event buses (`event-bus/NAME`, this or another account): the event enters that bus as PutEvents would
 *   route it (same envelope).
 * - Batch job queues (`job-queue/NAME`): `SubmitJob` with the target's BatchParameters (job definition,
 *   name, array size, retry attempts) and the payload's string members as job parameters — ready for when
 *   Skyport's Batch answers SubmitJob.
 * Any other service is recorded as a dead letter at once: Skyport cannot deliver there yet.
 */
import type { RequestContext } from "../../edge/context.js";
import { parseArn, type ParsedArn } from "../../core/arn.js";
import type { ServiceHost } from "../host.js";
import type { EventEnvelope, Target } from "./transform.js";

/** A failure that retrying cannot fix (the delivery goes to the dead letters at once). */
export class PermanentDeliveryError extends Error {}

export interface TargetKind {
  /** Whether this kind delivers to the ARN. */
  serves(arn: ParsedArn): boolean;
  /** Delivers one payload; throws to fail the attempt. */
  deliver(d: { ctx: RequestContext; services: ServiceHost; target: Target; arn: ParsedArn; payload: string; event: EventEnvelope; ingestBus: IngestBus }): Promise<void>;
}

/** Puts an event into a bus (provided by the provider: the same routing as PutEvents). */
export type IngestBus = (account: string, region: string, bus: string, event: EventEnvelope) => void;

const lambdaTarget: TargetKind = {
  serves: (a) => a.service === "lambda" && a.resource.startsWith("function:"),
  async deliver({ ctx, services, target, payload }) {
    await services.call("lambda", "Invoke", ctx, { FunctionName: target.Arn, InvocationType: "Event", Payload: Buffer.from(payload) });
  },
};

const busTarget: TargetKind = {
  serves: (a) => a.service === "events" && a.resource.startsWith("event-bus/"),
  async deliver({ arn, event, ingestBus }) {
    ingestBus(arn.account, arn.region, arn.resource.slice("event-bus/".length), { ...event, account: event.account, region: event.region });
  },
};

const batchTarget: TargetKind = {
  serves: (a) => a.service === "batch" && a.resource.startsWith("job-queue/"),
  async deliver({ ctx, services, target, payload }) {
    const p = target.BatchParameters;
    if (!p) throw new PermanentDeliveryError("BatchParameters are required for a Batch job queue target");
    let parameters: Record<string, string> | undefined;
    try {
      const v = JSON.parse(payload) as unknown;
      if (v && typeof v === "object" && !Array.isArray(v)) {
        const strings = Object.entries(v).filter(([, x]) => typeof x === "string");
        if (strings.length) parameters = Object.fromEntries(strings) as Record<string, string>;
      }
    } catch {
      /* a non-JSON payload carries no parameters */
    }
    await services.call("batch", "SubmitJob", ctx, {
      jobName: p.JobName,
      jobQueue: target.Arn,
      jobDefinition: p.JobDefinition,
      ...(p.ArrayProperties?.Size ? { arrayProperties: { size: p.ArrayProperties.Size } } : {}),
      ...(p.RetryStrategy?.Attempts ? { retryStrategy: { attempts: p.RetryStrategy.Attempts } } : {}),
      ...(parameters ? { parameters } : {}),
    });
  },
};

export const TARGET_KINDS: readonly TargetKind[] = [lambdaTarget, busTarget, batchTarget];

/** The kind that serves a target ARN, if any. */
export function targetKind(arnText: string): { kind: TargetKind; arn: ParsedArn } | undefined {
  const arn = parseArn(arnText);
  if (!arn) return undefined;
  const kind = TARGET_KINDS.find((k) => k.serves(arn));
  return kind ? { kind, arn } : undefined;
}
