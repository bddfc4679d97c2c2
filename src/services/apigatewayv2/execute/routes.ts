/**
 * Route selection of HTTP APIs ("Working with routes for HTTP APIs"): the most specific path wins segment by
 * segment (a literal over a {param} over a greedy {proxy+}), then the exact method over ANY; no match → the
 * `$default` route, if any. Empty segments (`//`, a trailing `/`) do not count. Path parameters are decoded.
 */
import type { RouteRecord } from "../store.js";

interface Segment {
  literal?: string;
  param?: string;
  greedy?: boolean;
}

export interface CompiledRoute {
  route: RouteRecord;
  method: string;
  segments: Segment[];
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

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The route a request takes, or undefined (404 Not Found). `path` is the path after the stage, still encoded. */
export function selectRoute(table: RouteTable, method: string, path: string): RouteMatch | undefined {
  const parts = path.split("/").filter((p) => p !== "");
  let best: { c: CompiledRoute; params: Record<string, string>; score: number[] } | undefined;
  for (const c of table.routes) {
    if (c.method !== method && c.method !== "ANY") continue;
    const params: Record<string, string> = {};
    const score: number[] = [];
    let ok = true;
    let i = 0;
    for (; i < c.segments.length; i++) {
      const seg = c.segments[i]!;
      if (seg.greedy) {
        if (i >= parts.length) ok = false;
        else params[seg.param!] = parts.slice(i).map(safeDecode).join("/");
        score.push(0);
        i = parts.length;
        break;
      }
      const part = parts[i];
      if (part === undefined) {
        ok = false;
        break;
      }
      if (seg.literal !== undefined) {
        if (safeDecode(part) !== seg.literal) {
          ok = false;
          break;
        }
        score.push(3);
      } else {
        params[seg.param!] = safeDecode(part);
        score.push(2);
      }
    }
    if (!ok || i !== parts.length) continue;
    score.push(c.method === method ? 1 : 0);
    if (!best || compare(score, best.score) > 0) best = { c, params, score };
  }
  if (best) return { route: best.c.route, pathParameters: best.params };
  return table.defaultRoute ? { route: table.defaultRoute, pathParameters: {} } : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}
