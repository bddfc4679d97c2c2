/**
 * Route selection of HTTP APIs, table-driven. Cases from "Working with routes for HTTP APIs" (Routing API
 * requests: the example with GET /pets/dog/1, GET /pets/dog/{id}, GET /pets/{proxy+}, ANY /{proxy+}, $default)
 * and "Routes with greedy path variables".
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RouteRecord } from "../store.js";
import { compileRoutes, selectRoute } from "./routes.js";

const route = (RouteKey: string): RouteRecord => ({ RouteId: RouteKey, RouteKey });
const table = compileRoutes(["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default", "POST /pets", "ANY /pets", "GET /"].map(route));

const cases: Array<[string, string, string | undefined, Record<string, string>?]> = [
  ["GET", "/pets/dog/1", "GET /pets/dog/1"],
  ["GET", "/pets/dog/2", "GET /pets/dog/{id}", { id: "2" }],
  ["GET", "/pets/cat/1", "GET /pets/{proxy+}", { proxy: "cat/1" }],
  ["POST", "/pets/cat/1", "ANY /{proxy+}", { proxy: "pets/cat/1" }],
  ["POST", "/pets", "POST /pets"],
  ["DELETE", "/pets", "ANY /pets"],
  ["GET", "/", "GET /"],
  ["POST", "/", "$default"],
  ["GET", "/pets/dog/a%20b", "GET /pets/dog/{id}", { id: "a b" }],
  ["GET", "//pets//dog/1/", "GET /pets/dog/1"],
];

test("selectRoute: most specific path, then exact method over ANY, then $default", () => {
  for (const [method, path, want, params] of cases) {
    const m = selectRoute(table, method, path);
    assert.equal(m?.route.RouteKey, want, `${method} ${path}`);
    if (params) assert.deepEqual(m?.pathParameters, params, `${method} ${path}`);
  }
});

test("selectRoute: no match and no $default → undefined (404)", () => {
  const t = compileRoutes([route("GET /a/{b}")]);
  assert.equal(selectRoute(t, "GET", "/a"), undefined);
  assert.equal(selectRoute(t, "GET", "/a/b/c"), undefined);
  assert.equal(selectRoute(t, "POST", "/a/b"), undefined);
});
