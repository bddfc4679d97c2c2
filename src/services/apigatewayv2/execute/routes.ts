/**
 * Route selection of HTTP APIs ("Working with routes for HTTP APIs"): the most specific path wins segment by
 * segment (a literal over a {param} over a greedy {proxy+}), then the exact method over ANY; no match → the
 * `$default` route, if any. Empty segments (`//`, a trailing `/`) do not count. Path parameters are decoded.
 */
import { compareScores, matchSegments, type PathSegment } from "../../apigateway/execute/route.js";
import type { RouteRecord } from "../store.js";

export interface CompiledRoute {
  route: RouteRecord;
  method: string;
  segments: PathSegment[];
}

export interface RouteMatch {
  route: RouteRecord;
  pathParameters: Record<string, string>;
}

export interface RouteTable {
  routes: CompiledRoute[];
  defaultRoute?: RouteRecord;
}

export function compileRoutes(routes: RouteRecord[]): RouteTable {
  const table: RouteTable = { routes: [] };
  for (const route of routes) {
    if (route.RouteKey === "$default") {
      table.defaultRoute = route;
      continue;
    }
    const space = route.RouteKey.indexOf(" ");
    if (space < 0) continue;
    const path = route.RouteKey.slice(space + 1);
    table.routes.push({
      route,
      method: route.RouteKey.slice(0, space),
      segments: path.split("/").filter((s) => s !== "").map((seg) => {
        const m = /^\{([^}+]+)(\+)?\}$/.exec(seg);
        return m ? { param: m[1]!, greedy: !!m[2] } : { literal: seg };
      }),
    });
  }
  return table;
}

/** The route a request takes, or undefined (404 Not Found). `path` is the path after the stage, still encoded. */
export function selectRoute(table: RouteTable, method: string, path: string): RouteMatch | undefined {
  const parts = path.split("/").filter((p) => p !== "");
  let best: { c: CompiledRoute; params: Record<string, string>; score: number[] } | undefined;
  for (const c of table.routes) {
    if (c.method !== method && c.method !== "ANY") continue;
    const m = matchSegments(c.segments, parts);
    if (!m) continue;
    // Same path specificity: a route of the request's own method beats ANY.
    const score = [...m.score, c.method === method ? 1 : 0];
    if (!best || compareScores(score, best.score) > 0) best = { c, params: m.params, score };
  }
  if (best) return { route: best.c.route, pathParameters: best.params };
  return table.defaultRoute ? { route: table.defaultRoute, pathParameters: {} } : undefined;
}

