/**
 * Step 1 of the request path: which API, stage, deployment, resource and method a request is for.
 * URL forms: {apiId}.execute-api.localhost[:port]/{stage}/{path}, /_aws/execute-api/{apiId}/{stage}/{path},
 * and custom domain names through their base path mappings. Resource matching as API Gateway does it:
 * the most specific path wins (literal over {param} over {proxy+}), ANY when the verb has no method.
 */
import type { Method, Resource, Stage } from "../../../aws/api/apigateway.js";
import type { ApiLocation, DeploymentSnapshot, RestApiDataAccess } from "../snapshot.js";

export const PATH_PREFIX = "/_aws/execute-api/";
const HOST_RE = /^([a-z0-9]{10})\.execute-api\.localhost(?::\d+)?$/i;

export interface Target {
  apiId: string;
  stageName: string;
  /** Path after the stage, starting with "/". */
  path: string;
  location: ApiLocation;
  /** Host the client used (for $context.domainName). */
  domainName: string;
}

/** Parses the URL into API, stage and path; undefined when it names no API. */
export function parseTarget(host: string, rawPath: string, data: RestApiDataAccess): Target | undefined | "no-stage" {
  const h = host.toLowerCase();
  let apiId: string | undefined;
  let rest: string;
  const m = HOST_RE.exec(h);
  if (m) {
    apiId = m[1]!;
    rest = rawPath;
  } else if (rawPath.startsWith(PATH_PREFIX)) {
    const parts = rawPath.slice(PATH_PREFIX.length).split("/");
    apiId = parts.shift();
    rest = `/${parts.join("/")}`;
  } else {
    const domain = data.findDomainName(h.replace(/:\d+$/, ""));
    if (!domain) return undefined;
    const segs = rawPath.split("/");
    const first = decodeURIComponent(segs[1] ?? "");
    const mapping = domain.mappings.find((x) => x.basePath === first) ?? domain.mappings.find((x) => x.basePath === "(none)");
    if (!mapping) return undefined;
    const path = mapping.basePath === "(none)" ? rawPath : `/${segs.slice(2).join("/")}`;
    if (mapping.stage) return { apiId: mapping.restApiId!, stageName: mapping.stage, path, location: domain.location, domainName: h };
    const s = path.split("/");
    return { apiId: mapping.restApiId!, stageName: decodeURIComponent(s[1] ?? ""), path: `/${s.slice(2).join("/")}`, location: domain.location, domainName: h };
  }
  const location = apiId ? data.locateRestApi(apiId) : undefined;
  if (!apiId || !location) return undefined;
  const segs = rest.split("/");
  const stageName = decodeURIComponent(segs[1] ?? "");
  if (!stageName) return "no-stage";
  return { apiId, stageName, path: `/${segs.slice(2).join("/")}`, location, domainName: h };
}

interface CompiledResource {
  resource: Resource;
  segments: PathSegment[];
}

const compiled = new WeakMap<DeploymentSnapshot, CompiledResource[]>();

function compile(s: DeploymentSnapshot): CompiledResource[] {
  let c = compiled.get(s);
  if (!c) {
    c = s.resources.map((resource) => ({
      resource,
      segments: resource.path === "/" ? [] : resource.path!.slice(1).split("/").map((seg) => {
        const m = /^\{([^}+]+)(\+)?\}$/.exec(seg);
        return m ? { param: m[1]!, greedy: !!m[2] } : { literal: seg };
      }),
    }));
    compiled.set(s, c);
  }
  return c;
}

export interface RouteMatch {
  resource: Resource;
  method: Method;
  pathParameters: Record<string, string>;
}

/** Finds the resource and method; undefined → 403 Missing Authentication Token, as on AWS. */
export function matchRoute(s: DeploymentSnapshot, path: string, verb: string): RouteMatch | undefined {
  // Empty segments (`//`, a trailing `/`) do not count, as on API Gateway.
  const parts = path.split("/").filter((p) => p !== "");
  let best: { c: CompiledResource; params: Record<string, string>; score: number[] } | undefined;
  for (const c of compile(s)) {
    const m = matchSegments(c.segments, parts);
    if (!m) continue;
    const { params, score } = m;
    if (!best || compareScores(score, best.score) > 0) best = { c, params, score };
  }
  if (!best) return undefined;
  const methods = best.c.resource.resourceMethods ?? {};
  const method = methods[verb] ?? methods.ANY;
  if (!method) return undefined;
  return { resource: best.c.resource, method, pathParameters: best.params };
}

/** A route template's segments (literal, {param} or greedy {param+}). Shared with HTTP API routes (apigatewayv2/execute). */
export interface PathSegment {
  literal?: string;
  param?: string;
  greedy?: boolean;
}

/**
 * Matches the request path's non-empty segments against a template: its decoded path parameters and a score per
 * segment (literal 2 > parameter 1 > greedy 0) that compareScores orders, most specific first; undefined if no match.
 */
export function matchSegments(segments: PathSegment[], parts: string[]): { params: Record<string, string>; score: number[] } | undefined {
  const params: Record<string, string> = {};
  const score: number[] = [];
  let i = 0;
  for (; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.greedy) {
      if (i >= parts.length) return undefined;
      params[seg.param!] = parts.slice(i).map(safeDecode).join("/");
      score.push(0);
      return { params, score };
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.literal !== undefined) {
      if (safeDecode(part) !== seg.literal) return undefined;
      score.push(2);
    } else {
      params[seg.param!] = safeDecode(part);
      score.push(1);
    }
  }
  return i === parts.length ? { params, score } : undefined;
}

export function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The stage and the deployment a request runs against (canary traffic goes to the canary deployment). */
export function pickDeployment(stage: Stage, random: () => number): { deploymentId: string; canary: boolean } {
  const c = stage.canarySettings;
  if (c?.deploymentId && c.percentTraffic && random() * 100 < c.percentTraffic) return { deploymentId: c.deploymentId, canary: true };
  return { deploymentId: stage.deploymentId!, canary: false };
}
