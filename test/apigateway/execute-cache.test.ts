/**
 * Issue 16 item 7: the stage cache ("Cache settings for REST APIs in API Gateway"): with the cache cluster on and
 * caching enabled in the method settings, GET answers are served from the cache for cacheTtlInSeconds, keyed by
 * cacheKeyParameters; `Cache-Control: max-age=0` refetches when authorized (or when authorization is not
 * required), is refused (FAIL_WITH_403) or ignored with a warning header otherwise; FlushStageCache empties it;
 * CacheHitCount/CacheMissCount are published. The template echoes $context.requestId, so a cached answer
 * shows an earlier request's id. ManualClock: the TTL passes when the test says so.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { APIGatewayClient, FlushStageCacheCommand, UpdateStageCommand } from "@aws-sdk/client-api-gateway";
import { ManualClock } from "../../src/core/clock.js";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";
import { mockApi } from "./execute-throttle.helpers.js";

const run = promisify(execFile);

describe("stage cache", () => {
  let server: TestServer;
  let apigw: APIGatewayClient;
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 12));
  before(async () => {
    server = await startServer({}, { clock });
    apigw = new APIGatewayClient(server.clientConfig);
  });
  after(() => server.stop());

  const id = async (url: string, headers: Record<string, string> = {}, method = "GET") => {
    const r = await fetch(url, { method, headers });
    const body = (await r.json()) as { id?: string };
    return { status: r.status, id: body.id, warning: r.headers.get("warning") };
  };

  test("FlushStageCache: GET answers cached per cacheKeyParameters until the TTL or a flush; other verbs are not", async () => {
    const { apiId, name } = await mockApi(apigw, "prod", [
      { path: "/items", requestParameters: { "method.request.querystring.color": false }, cacheKeyParameters: ["method.request.querystring.color"] },
      { path: "/items", httpMethod: "POST" },
    ]);
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [
      { op: "replace", path: "/cacheClusterEnabled", value: "true" },
      { op: "replace", path: "/*/*/caching/enabled", value: "true" },
      { op: "replace", path: "/*/*/caching/ttlInSeconds", value: "60" },
    ] }));
    const url = `${server.endpoint}/_aws/execute-api/${apiId}/prod/items`;
    const first = await id(`${url}?color=red`);
    assert.equal(first.status, 200);
    assert.equal((await id(`${url}?color=red`)).id, first.id, "a hit");
    assert.equal((await id(`${url}?color=red&other=1`)).id, first.id, "a parameter outside the key does not matter");
    const blue = await id(`${url}?color=blue`);
    assert.notEqual(blue.id, first.id, "another key value misses");
    const post1 = await id(url, {}, "POST");
    assert.notEqual((await id(url, {}, "POST")).id, post1.id, "POST is not cached through */*");

    clock.advance(59_000);
    assert.equal((await id(`${url}?color=red`)).id, first.id, "still within the TTL");
    clock.advance(2_000);
    const refreshed = await id(`${url}?color=red`);
    assert.notEqual(refreshed.id, first.id, "expired after 60 s");

    await apigw.send(new FlushStageCacheCommand({ restApiId: apiId, stageName: "prod" }));
    assert.notEqual((await id(`${url}?color=red`)).id, refreshed.id, "flushed");
    await assert.rejects(apigw.send(new FlushStageCacheCommand({ restApiId: apiId, stageName: "nosuch" })), { name: "NotFoundException" });

    // Cache metrics by ApiName and Stage, read back with the AWS CLI.
    const stat = async (metric: string) => {
      const { stdout } = await run("aws", ["cloudwatch", "get-metric-statistics", "--namespace", "AWS/ApiGateway", "--metric-name", metric,
        "--dimensions", `Name=ApiName,Value=${name}`, "Name=Stage,Value=prod", "--statistics", "Sum", "--period", "3600",
        "--start-time", new Date(clock.now() - 3_600_000).toISOString(), "--end-time", new Date(clock.now() + 60_000).toISOString(),
        "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
      return (JSON.parse(stdout) as { Datapoints: Array<{ Sum: number }> }).Datapoints.reduce((n, d) => n + d.Sum, 0);
    };
    assert.equal(await stat("CacheHitCount"), 3);
    assert.equal(await stat("CacheMissCount"), 4);
    assert.equal(await stat("Count"), 9);
  });

  test("UpdateStage: Cache-Control max-age=0 refetches when allowed, else 403 or a warning header, per the strategy", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/c" }]);
    const setting = (path: string, value: string) => ({ op: "replace" as const, path: `/~1c/GET/caching/${path}`, value });
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [
      { op: "replace", path: "/cacheClusterEnabled", value: "true" }, setting("enabled", "true"), setting("requireAuthorizationForCacheControl", "false"),
    ] }));
    const url = `${server.endpoint}/_aws/execute-api/${apiId}/prod/c`;
    const a = await id(url);
    assert.equal((await id(url)).id, a.id);
    const fresh = await id(url, { "cache-control": "max-age=0" });
    assert.notEqual(fresh.id, a.id, "invalidated without authorization being required");
    assert.equal((await id(url)).id, fresh.id, "the refetched answer is the cached one now");

    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [
      setting("requireAuthorizationForCacheControl", "true"), setting("unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403")] }));
    assert.equal((await id(url, { "cache-control": "max-age=0" })).status, 403);

    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [setting("unauthorizedCacheControlHeaderStrategy", "SUCCEED_WITH_RESPONSE_HEADER")] }));
    const warned = await id(url, { "cache-control": "max-age=0" });
    assert.equal(warned.id, fresh.id, "the invalidation is ignored");
    assert.match(warned.warning ?? "", /^199 /);

    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [setting("unauthorizedCacheControlHeaderStrategy", "SUCCEED_WITHOUT_RESPONSE_HEADER")] }));
    const quiet = await id(url, { "cache-control": "max-age=0" });
    assert.equal(quiet.id, fresh.id);
    assert.equal(quiet.warning, null);
  });

  test("UpdateStage: without the cache cluster, cachingEnabled caches nothing", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/n" }]);
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [{ op: "replace", path: "/*/*/caching/enabled", value: "true" }] }));
    const url = `${server.endpoint}/_aws/execute-api/${apiId}/prod/n`;
    assert.notEqual((await id(url)).id, (await id(url)).id);
  });
});
