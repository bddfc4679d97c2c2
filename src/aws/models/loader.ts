/**
 * Loads a service model (generated into ./data from the AWS SDK v2 API models, see scripts/gen-models.mjs)
 * and resolves its shape references into one object graph the protocol layer walks. Models load on
 * first use of their service and stay cached.
 */
import { readFileSync } from "node:fs";

export type ShapeType =
  | "structure" | "list" | "map" | "string" | "integer" | "long" | "float" | "double"
  | "boolean" | "timestamp" | "blob";

export type Location = "uri" | "querystring" | "header" | "headers" | "statusCode";

/** A resolved shape; when reached through a structure member it also carries the member's bindings. */
export interface Shape {
  type: ShapeType;
  members?: Record<string, Shape>;
  required?: string[];
  member?: Shape;
  key?: Shape;
  value?: Shape;
  payload?: string;
  flattened?: boolean;
  timestampFormat?: "iso8601" | "rfc822" | "unixTimestamp";
  location?: Location;
  locationName?: string;
  queryName?: string;
  xmlNamespace?: { uri?: string; prefix?: string };
  xmlAttribute?: boolean;
  streaming?: boolean;
  jsonvalue?: boolean;
  resultWrapper?: string;
  idempotencyToken?: boolean;
  hostLabel?: boolean;
  min?: number;
  /** Precomputed by the loader: the subtree holds timestamps, blobs or renamed members. */
  needsWalk?: boolean;
}

export interface Operation {
  name: string;
  method: string;
  /** requestUri with its query part, e.g. "/{Bucket}?uploads". */
  requestUri: string;
  /** Superseded by an operation on the same URI (S3's PutBucketNotification): routing prefers the other. */
  deprecated?: boolean;
  responseCode: number;
  /** The model's `authtype: "none"`: AWS serves the operation without a signature (Cognito's SignUp, InitiateAuth...). */
  unsigned?: boolean;
  input?: Shape;
  output?: Shape;
}

export type Protocol = "json" | "rest-json" | "rest-xml" | "query";

export interface ServiceMetadata {
  apiVersion: string;
  endpointPrefix: string;
  signingName?: string;
  protocol: Protocol;
  jsonVersion?: string;
  targetPrefix?: string;
  xmlNamespace?: string;
  serviceFullName: string;
  skyportService: string;
  awsQueryCompatible?: object;
  timestampFormat?: string;
}

export class ServiceModel {
  readonly operations = new Map<string, Operation>();
  constructor(readonly metadata: ServiceMetadata) {}
  get service(): string {
    return this.metadata.skyportService;
  }
  get protocol(): Protocol {
    return this.metadata.protocol;
  }
  get signingName(): string {
    return this.metadata.signingName ?? this.metadata.endpointPrefix;
  }
}

interface RawShape extends Record<string, unknown> {
  shape?: string;
}
interface RawModel {
  metadata: ServiceMetadata;
  operations: Record<string, { http?: { method?: string; requestUri?: string; responseCode?: number }; authtype?: string; input?: RawShape; output?: RawShape; deprecated?: boolean }>;
  shapes: Record<string, RawShape>;
}

const cache = new Map<string, ServiceModel>();

/** The model of a Skyport service name (e.g. "dynamodb"), loaded once. */
export function loadModel(service: string): ServiceModel {
  let model = cache.get(service);
  if (!model) {
    const raw = JSON.parse(readFileSync(new URL(`./data/${service}.json`, import.meta.url), "utf8")) as RawModel;
    model = resolveModel(raw);
    cache.set(service, model);
  }
  return model;
}

function resolveModel(raw: RawModel): ServiceModel {
  const model = new ServiceModel(raw.metadata);
  const named = new Map<string, Shape>();

  const resolve = (rawShape: RawShape): Shape => {
    if (rawShape.shape) {
      const target = named.get(rawShape.shape) ?? build(raw.shapes[rawShape.shape]!, rawShape.shape);
      const extras = Object.keys(rawShape).filter((k) => k !== "shape");
      if (!extras.length) return target;
      const merged = Object.assign({}, target) as Shape;
      for (const k of extras) (merged as unknown as Record<string, unknown>)[k] = rawShape[k];
      return merged;
    }
    return build(rawShape);
  };

  const build = (rawShape: RawShape, id?: string): Shape => {
    const shape = { type: (rawShape.type as ShapeType) ?? "string" } as Shape;
    if (id) named.set(id, shape);
    for (const [k, v] of Object.entries(rawShape)) {
      if (k === "members" || k === "member" || k === "key" || k === "value" || k === "shape" || k === "type") continue;
      (shape as unknown as Record<string, unknown>)[k] = v;
    }
    if (shape.type === "structure") {
      const members: Record<string, Shape> = {};
      shape.members = members;
      for (const [name, m] of Object.entries((rawShape.members ?? {}) as Record<string, RawShape>)) members[name] = resolve(m);
    } else if (shape.type === "list") {
      shape.member = resolve((rawShape.member ?? {}) as RawShape);
    } else if (shape.type === "map") {
      shape.key = resolve((rawShape.key ?? {}) as RawShape);
      shape.value = resolve((rawShape.value ?? {}) as RawShape);
    }
    return shape;
  };

  for (const [name, op] of Object.entries(raw.operations)) {
    model.operations.set(name, {
      name,
      method: op.http?.method ?? "POST",
      requestUri: op.http?.requestUri ?? "/",
      responseCode: op.http?.responseCode ?? 200,
      unsigned: op.authtype === "none" || undefined,
      input: op.input ? resolve(op.input) : undefined,
      output: op.output ? resolve(op.output) : undefined,
      ...(op.deprecated ? { deprecated: true } : {}),
    });
  }
  for (const op of model.operations.values()) {
    if (op.input) markWalk(op.input, new Set());
    if (op.output) markWalk(op.output, new Set());
  }
  return model;
}

/** Marks subtrees that hold timestamps, blobs, doubles or members renamed on the wire (a plain JSON copy won't do). */
function markWalk(shape: Shape, seen: Set<Shape>): boolean {
  if (shape.needsWalk !== undefined) return shape.needsWalk;
  if (seen.has(shape)) return true; // recursive shapes (DynamoDB AttributeValue) are walked
  seen.add(shape);
  // doubles too: the JSON codec writes integral ones as "n.0", as AWS does
  let walk = shape.type === "timestamp" || shape.type === "blob" || shape.type === "double" || shape.type === "float";
  if (shape.members) {
    for (const [name, m] of Object.entries(shape.members)) {
      if (m.locationName && m.locationName !== name) walk = true;
      if (m.location) walk = true;
      if (markWalk(m, seen)) walk = true;
    }
  }
  if (shape.member && markWalk(shape.member, seen)) walk = true;
  if (shape.value && markWalk(shape.value, seen)) walk = true;
  shape.needsWalk = walk;
  return walk;
}
