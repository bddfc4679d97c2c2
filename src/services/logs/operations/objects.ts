/**
 * Resources Skyport stores and returns as AWS does but does not act on: resource policies (not enforced),
 * destinations (cross-account subscription targets; nothing is forwarded) and the delivery trio — delivery
 * sources, delivery destinations, deliveries (vended logs; no service writes into them yet).
 * Rows live in `logs_objects` as JSON bodies keyed by (account, region, kind, name).
 */
import type * as L from "../../../aws/api/logs.js";
import { ServiceError } from "../../../aws/errors.js";
import { arn, parseArn } from "../../../core/arn.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceEnv } from "../../host.js";
import { Limits, Patterns } from "../constants.js";
import type { LogsStore, ObjectRow } from "../store.js";
import { decodePageToken, encodePageToken } from "../tokens.js";
import { checks, invalidParameter, limitExceeded, notFound } from "../validate.js";

type Kind = "policy" | "destination" | "delivery-source" | "delivery-destination" | "delivery";
type NameToken = { n: string };
const isNameToken = (v: unknown): v is NameToken => typeof (v as NameToken)?.n === "string";

/** API reference: up to 10 resource policies per Region. */
const MAX_RESOURCE_POLICIES = 10;
const DELIVERY_NAME = { re: /^[\w-]*$/, text: "[\\w-]*" };
const OUTPUT_FORMATS = ["json", "plain", "w3c", "raw", "parquet"];
/** deliveryDestinationType from the destination resource's service. */
const DESTINATION_TYPES: Record<string, string> = { s3: "S3", logs: "CWL", firehose: "FH", xray: "XRAY" };

const conflict = (message: string) => new ServiceError("ConflictException", message, 400);

export class StoredObjects {
  constructor(
    private readonly store: LogsStore,
    private readonly env: ServiceEnv,
  ) {}

  // ---------------------------------------------------------------- generic rows

  private get<T>(ctx: RequestContext, kind: Kind, name: string): (T & { _created: number }) | undefined {
    const r = this.store.s.getObject!.get(ctx.accountId, ctx.region, kind, name) as ObjectRow | undefined;
    return r ? { ...(JSON.parse(r.body) as T), _created: r.created } : undefined;
  }

  private put(ctx: RequestContext, kind: Kind, name: string, body: object): void {
    this.store.s.putObject!.run(ctx.accountId, ctx.region, kind, name, JSON.stringify(body), ctx.clock.now());
  }

  private remove(ctx: RequestContext, kind: Kind, name: string): boolean {
    return this.store.s.deleteObject!.run(ctx.accountId, ctx.region, kind, name).changes > 0;
  }

  /** One page of a kind, by name, with an opaque token. */
  private page<T>(ctx: RequestContext, kind: Kind, input: { nextToken?: string; limit?: number }, keep: (b: T) => boolean = () => true): { items: T[]; nextToken?: string } {
    checks().range(input.limit, "limit", 1, Limits.MAX_DESCRIBE_LIMIT).string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER).throwIfAny();
    const after = input.nextToken !== undefined ? decodePageToken(input.nextToken, isNameToken).n : "";
    const limit = input.limit ?? Limits.MAX_DESCRIBE_LIMIT;
    const items: T[] = [];
    let last = "";
    for (const r of this.store.s.listObjects!.iterate(ctx.accountId, ctx.region, kind, after) as IterableIterator<ObjectRow>) {
      const b = JSON.parse(r.body) as T;
      if (!keep(b)) continue;
      if (items.length === limit) return { items, nextToken: encodePageToken({ n: last } satisfies NameToken) };
      items.push(b);
      last = r.name;
    }
    return { items };
  }

  // ---------------------------------------------------------------- resource policies

  putResourcePolicy(ctx: RequestContext, input: L.PutResourcePolicyInput): L.PutResourcePolicyOutput {
    checks().string(input.policyName, "policyName", 1, 255).string(input.policyDocument, "policyDocument", 1, 5120).throwIfAny();
    if (input.policyName === undefined) throw invalidParameter("policyName must be specified.");
    if (input.policyDocument === undefined) throw invalidParameter("policyDocument must be specified.");
    try {
      JSON.parse(input.policyDocument);
    } catch {
      throw invalidParameter("Policy document is not valid JSON.");
    }
    const exists = this.get(ctx, "policy", input.policyName);
    if (!exists && (this.store.s.countObjects!.get(ctx.accountId, ctx.region, "policy") as { n: number }).n >= MAX_RESOURCE_POLICIES) throw limitExceeded();
    const policy: L.ResourcePoliciesItem = { policyName: input.policyName, policyDocument: input.policyDocument, lastUpdatedTime: ctx.clock.now() };
    this.put(ctx, "policy", input.policyName, policy);
    return { resourcePolicy: policy };
  }

  describeResourcePolicies(ctx: RequestContext, input: L.DescribeResourcePoliciesInput): L.DescribeResourcePoliciesOutput {
    const { items, nextToken } = this.page<L.ResourcePoliciesItem>(ctx, "policy", input);
    return nextToken ? { resourcePolicies: items, nextToken } : { resourcePolicies: items };
  }

  deleteResourcePolicy(ctx: RequestContext, input: L.DeleteResourcePolicyInput): L.DeleteResourcePolicyOutput {
    // Message as AWS answers it (seen in aws/aws-cdk#12016).
    if (input.policyName === undefined || !this.remove(ctx, "policy", input.policyName)) throw notFound(`Policy with name [${input.policyName}] does not exist.`);
    return {};
  }

  // ---------------------------------------------------------------- destinations

  putDestination(ctx: RequestContext, input: L.PutDestinationInput): L.PutDestinationOutput {
    checks()
      .string(input.destinationName, "destinationName", 1, 512, Patterns.FILTER_NAME)
      .string(input.targetArn, "targetArn", 1, Number.MAX_SAFE_INTEGER)
      .string(input.roleArn, "roleArn", 1, Number.MAX_SAFE_INTEGER)
      .tags(input.tags, "tags")
      .throwIfAny();
    const old = this.get<L.DestinationsItem>(ctx, "destination", input.destinationName);
    const d: L.DestinationsItem = {
      destinationName: input.destinationName,
      targetArn: input.targetArn,
      roleArn: input.roleArn,
      ...(old?.accessPolicy ? { accessPolicy: old.accessPolicy } : {}),
      arn: arn("logs", ctx.region, ctx.accountId, `destination:${input.destinationName}`),
      creationTime: old?.creationTime ?? ctx.clock.now(),
    };
    this.put(ctx, "destination", input.destinationName, d);
    return { destination: d };
  }

  putDestinationPolicy(ctx: RequestContext, input: L.PutDestinationPolicyInput): L.PutDestinationPolicyOutput {
    checks().string(input.accessPolicy, "accessPolicy", 1, Number.MAX_SAFE_INTEGER).throwIfAny();
    const d = this.requireDestination(ctx, input.destinationName);
    const { _created, ...body } = d;
    this.put(ctx, "destination", input.destinationName, { ...body, accessPolicy: input.accessPolicy });
    return {};
  }

  describeDestinations(ctx: RequestContext, input: L.DescribeDestinationsInput): L.DescribeDestinationsOutput {
    checks().string(input.DestinationNamePrefix, "DestinationNamePrefix", 1, 512, Patterns.FILTER_NAME).throwIfAny();
    const prefix = input.DestinationNamePrefix ?? "";
    const { items, nextToken } = this.page<L.DestinationsItem>(ctx, "destination", input, (d) => d.destinationName!.startsWith(prefix));
    return nextToken ? { destinations: items, nextToken } : { destinations: items };
  }

  deleteDestination(ctx: RequestContext, input: L.DeleteDestinationInput): L.DeleteDestinationOutput {
    this.requireDestination(ctx, input.destinationName);
    this.remove(ctx, "destination", input.destinationName);
    return {};
  }

  private requireDestination(ctx: RequestContext, name: string) {
    checks().string(name, "destinationName", 1, 512, Patterns.FILTER_NAME).throwIfAny();
    const d = this.get<L.DestinationsItem>(ctx, "destination", name);
    if (!d) throw notFound("The specified destination does not exist.");
    return d;
  }

  // ---------------------------------------------------------------- deliveries

  putDeliverySource(ctx: RequestContext, input: L.PutDeliverySourceInput): L.PutDeliverySourceOutput {
    checks()
      .string(input.name, "name", 1, 60, DELIVERY_NAME)
      .string(input.resourceArn, "resourceArn", 1, Number.MAX_SAFE_INTEGER)
      .string(input.logType, "logType", 1, 255)
      .tags(input.tags, "tags")
      .throwIfAny();
    const r = parseArn(input.resourceArn);
    if (!r) throw invalidParameter(`Invalid resourceArn: ${input.resourceArn}`);
    const s: L.DeliverySourcesItem = {
      name: input.name,
      arn: arn("logs", ctx.region, ctx.accountId, `delivery-source:${input.name}`),
      resourceArns: [input.resourceArn],
      service: r.service,
      logType: input.logType,
      ...(input.tags ? { tags: input.tags } : {}),
    };
    this.put(ctx, "delivery-source", input.name, s);
    return { deliverySource: s };
  }

  putDeliveryDestination(ctx: RequestContext, input: L.PutDeliveryDestinationInput): L.PutDeliveryDestinationOutput {
    checks()
      .string(input.name, "name", 1, 60, DELIVERY_NAME)
      .oneOf(input.outputFormat, "outputFormat", OUTPUT_FORMATS)
      .string(input.deliveryDestinationConfiguration?.destinationResourceArn, "deliveryDestinationConfiguration.destinationResourceArn", 1, Number.MAX_SAFE_INTEGER)
      .tags(input.tags, "tags")
      .throwIfAny();
    const target = parseArn(input.deliveryDestinationConfiguration.destinationResourceArn);
    const type = target && DESTINATION_TYPES[target.service];
    if (!type) throw invalidParameter(`Invalid destinationResourceArn: ${input.deliveryDestinationConfiguration.destinationResourceArn}`);
    const d: L.DeliveryDestinationsItem = {
      name: input.name,
      arn: arn("logs", ctx.region, ctx.accountId, `delivery-destination:${input.name}`),
      deliveryDestinationType: type,
      ...(input.outputFormat ? { outputFormat: input.outputFormat } : {}),
      deliveryDestinationConfiguration: { destinationResourceArn: input.deliveryDestinationConfiguration.destinationResourceArn },
      ...(input.tags ? { tags: input.tags } : {}),
    };
    this.put(ctx, "delivery-destination", input.name, d);
    return { deliveryDestination: d };
  }

  createDelivery(ctx: RequestContext, input: L.CreateDeliveryInput): L.CreateDeliveryOutput {
    checks()
      .string(input.deliverySourceName, "deliverySourceName", 1, 60, DELIVERY_NAME)
      .string(input.deliveryDestinationArn, "deliveryDestinationArn", 1, Number.MAX_SAFE_INTEGER)
      .size(input.recordFields, "recordFields", 0, 128)
      .string(input.fieldDelimiter, "fieldDelimiter", 0, 5)
      .tags(input.tags, "tags")
      .throwIfAny();
    if (!this.get(ctx, "delivery-source", input.deliverySourceName)) throw notFound(`Delivery source ${input.deliverySourceName} does not exist.`);
    const destName = /:delivery-destination:(.+)$/.exec(input.deliveryDestinationArn)?.[1];
    const dest = destName !== undefined ? this.get<L.DeliveryDestinationsItem>(ctx, "delivery-destination", destName) : undefined;
    if (!dest || dest.arn !== input.deliveryDestinationArn) throw notFound(`Delivery destination ${input.deliveryDestinationArn} does not exist.`);
    const same = this.page<L.Delivery>(ctx, "delivery", { limit: Limits.MAX_DESCRIBE_LIMIT }, (d) => d.deliverySourceName === input.deliverySourceName && d.deliveryDestinationArn === input.deliveryDestinationArn);
    if (same.items.length) throw conflict("A delivery already exists for this delivery source and delivery destination.");
    const id = this.env.ids.alnum(16);
    const d: L.Delivery = {
      id,
      arn: arn("logs", ctx.region, ctx.accountId, `delivery:${id}`),
      deliverySourceName: input.deliverySourceName,
      deliveryDestinationArn: input.deliveryDestinationArn,
      deliveryDestinationType: dest.deliveryDestinationType!,
      ...(input.recordFields ? { recordFields: input.recordFields } : {}),
      ...(input.fieldDelimiter !== undefined ? { fieldDelimiter: input.fieldDelimiter } : {}),
      ...(input.s3DeliveryConfiguration ? { s3DeliveryConfiguration: input.s3DeliveryConfiguration } : {}),
      ...(input.tags ? { tags: input.tags } : {}),
    };
    this.put(ctx, "delivery", id, d);
    return { delivery: d };
  }

  getDelivery(ctx: RequestContext, input: L.GetDeliveryInput): L.GetDeliveryOutput {
    return { delivery: strip(this.requireDelivery(ctx, input.id)) };
  }

  getDeliverySource(ctx: RequestContext, input: L.GetDeliverySourceInput): L.GetDeliverySourceOutput {
    const s = this.get<L.DeliverySourcesItem>(ctx, "delivery-source", input.name);
    if (!s) throw notFound(`Delivery source ${input.name} does not exist.`);
    return { deliverySource: strip(s) };
  }

  getDeliveryDestination(ctx: RequestContext, input: L.GetDeliveryDestinationInput): L.GetDeliveryDestinationOutput {
    const d = this.get<L.DeliveryDestinationsItem>(ctx, "delivery-destination", input.name);
    if (!d) throw notFound(`Delivery destination ${input.name} does not exist.`);
    return { deliveryDestination: strip(d) };
  }

  describeDeliveries(ctx: RequestContext, input: L.DescribeDeliveriesInput): L.DescribeDeliveriesOutput {
    const { items, nextToken } = this.page<L.Delivery>(ctx, "delivery", input);
    return nextToken ? { deliveries: items, nextToken } : { deliveries: items };
  }

  describeDeliverySources(ctx: RequestContext, input: L.DescribeDeliverySourcesInput): L.DescribeDeliverySourcesOutput {
    const { items, nextToken } = this.page<L.DeliverySourcesItem>(ctx, "delivery-source", input);
    return nextToken ? { deliverySources: items, nextToken } : { deliverySources: items };
  }

  describeDeliveryDestinations(ctx: RequestContext, input: L.DescribeDeliveryDestinationsInput): L.DescribeDeliveryDestinationsOutput {
    const { items, nextToken } = this.page<L.DeliveryDestinationsItem>(ctx, "delivery-destination", input);
    return nextToken ? { deliveryDestinations: items, nextToken } : { deliveryDestinations: items };
  }

  deleteDelivery(ctx: RequestContext, input: L.DeleteDeliveryInput): L.DeleteDeliveryOutput {
    this.requireDelivery(ctx, input.id);
    this.remove(ctx, "delivery", input.id);
    return {};
  }

  /** AWS refuses to delete a source or destination that a delivery still uses (ConflictException). */
  deleteDeliverySource(ctx: RequestContext, input: L.DeleteDeliverySourceInput): L.DeleteDeliverySourceOutput {
    if (!this.get(ctx, "delivery-source", input.name)) throw notFound(`Delivery source ${input.name} does not exist.`);
    if (this.page<L.Delivery>(ctx, "delivery", {}, (d) => d.deliverySourceName === input.name).items.length) throw conflict(`Delivery source ${input.name} is used by a delivery.`);
    this.remove(ctx, "delivery-source", input.name);
    return {};
  }

  deleteDeliveryDestination(ctx: RequestContext, input: L.DeleteDeliveryDestinationInput): L.DeleteDeliveryDestinationOutput {
    const d = this.get<L.DeliveryDestinationsItem>(ctx, "delivery-destination", input.name);
    if (!d) throw notFound(`Delivery destination ${input.name} does not exist.`);
    if (this.page<L.Delivery>(ctx, "delivery", {}, (x) => x.deliveryDestinationArn === d.arn).items.length) throw conflict(`Delivery destination ${input.name} is used by a delivery.`);
    this.remove(ctx, "delivery-destination", input.name);
    return {};
  }

  private requireDelivery(ctx: RequestContext, id: string) {
    checks().string(id, "id", 1, 64).throwIfAny();
    const d = this.get<L.Delivery>(ctx, "delivery", id);
    if (!d) throw notFound(`Delivery ${id} does not exist.`);
    return d;
  }
}

/** Drops the bookkeeping field `get` adds. */
function strip<T extends object>(v: T & { _created?: number }): T {
  const { _created, ...rest } = v;
  return rest as T;
}
