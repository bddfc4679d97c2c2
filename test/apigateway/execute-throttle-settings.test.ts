/**
 * Which throttle applies ("Throttle requests to your REST APIs"): a method's own settings override the stage's
 * `*\/*` field by field, an unset half takes the account's value, a usage plan's per-method override
 * (keyed "/{resourcePath}/{METHOD}") replaces the plan's throttle for that method.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { methodKey, methodSettingFor, planLimits, stageLimits } from "../../src/services/apigateway/execute/throttle.js";

const account = { rateLimit: 10_000, burstLimit: 5_000 };

test("methodKey and methodSettingFor: stage method settings keys (table)", () => {
  const stage = { methodSettings: {
    "*/*": { throttlingRateLimit: 100, throttlingBurstLimit: 50, cachingEnabled: true },
    "pets/{id}/GET": { throttlingRateLimit: 5 },
    "~1orders/POST": { throttlingBurstLimit: 1 },
    "GET": { throttlingRateLimit: 7 },
  } };
  const cases: Array<[string, string, { rateLimit: number; burstLimit: number }]> = [
    ["/pets/{id}", "GET", { rateLimit: 5, burstLimit: 50 }],
    ["/orders", "POST", { rateLimit: 100, burstLimit: 1 }],
    ["/", "GET", { rateLimit: 7, burstLimit: 50 }],
    ["/pets", "DELETE", { rateLimit: 100, burstLimit: 50 }],
  ];
  for (const [path, verb, want] of cases) assert.deepEqual(stageLimits(methodSettingFor(stage, path, verb), account), want, `${verb} ${path}`);
  assert.equal(methodKey("/pets/{id}", "GET"), "pets/{id}/GET");
  assert.equal(methodKey("/", "GET"), "GET");
  assert.equal(methodSettingFor(stage, "/pets/{id}", "GET")?.cachingEnabled, true, "other fields come from */*");
  assert.equal(stageLimits(methodSettingFor({ methodSettings: { "*/*": { metricsEnabled: true } } }, "/x", "GET"), account), undefined, "no throttle fields: no stage bucket");
  assert.deepEqual(stageLimits({ throttlingRateLimit: 3 }, account), { rateLimit: 3, burstLimit: 5_000 });
});

test("planLimits: per-method override, else the plan's throttle, else none", () => {
  const plan = { id: "p1", throttle: { rateLimit: 10, burstLimit: 20 }, apiStages: [{ apiId: "a", stage: "prod", throttle: { "/pets/GET": { rateLimit: 1, burstLimit: 2 } } }] };
  assert.deepEqual(planLimits(plan, "a", "prod", "/pets", "GET", account), { limits: { rateLimit: 1, burstLimit: 2 }, scope: "a/prod/pets/GET" });
  assert.deepEqual(planLimits(plan, "a", "prod", "/pets", "POST", account), { limits: { rateLimit: 10, burstLimit: 20 }, scope: "" });
  assert.deepEqual(planLimits(plan, "a", "dev", "/pets", "GET", account), { limits: { rateLimit: 10, burstLimit: 20 }, scope: "" });
  assert.equal(planLimits({ id: "p2" }, "a", "prod", "/pets", "GET", account), undefined);
  assert.deepEqual(planLimits({ id: "p3", throttle: { rateLimit: 4 } }, "a", "prod", "/x", "GET", account)?.limits, { rateLimit: 4, burstLimit: 5_000 });
});
