/**
 * The alarm evaluation core, table-driven. Rules from the Lightsail alarms guide
 * (https://docs.aws.amazon.com/lightsail/latest/userguide/amazon-lightsail-alarms.html): "M out of N"
 * datapoints to alarm, and missing data treated as breaching, not breaching, ignored (state kept) or missing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluate, periodRates, type AlarmRule, type AlarmState } from "../../src/services/lightsail/notify/evaluate.js";

const rule = (r: Partial<AlarmRule>): AlarmRule => ({ comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 80, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: "missing", ...r });
const _ = undefined;

const cases: Array<[string, Partial<AlarmRule>, Array<number | undefined>, AlarmState, AlarmState]> = [
  ["2 of 3 breach → ALARM", {}, [90, 10, 85], "OK", "ALARM"],
  ["1 of 3 breach → OK", {}, [90, 10, 20], "ALARM", "OK"],
  ["threshold is inclusive for GreaterThanOrEqualToThreshold", {}, [80, 80, 0], "OK", "ALARM"],
  ["GreaterThanThreshold is strict", { comparisonOperator: "GreaterThanThreshold" }, [80, 80, 80], "OK", "OK"],
  ["LessThanThreshold", { comparisonOperator: "LessThanThreshold", threshold: 5 }, [1, 2, 9], "OK", "ALARM"],
  ["LessThanOrEqualToThreshold", { comparisonOperator: "LessThanOrEqualToThreshold", threshold: 5, datapointsToAlarm: 3 }, [5, 5, 5], "OK", "ALARM"],
  ["no data, missing → INSUFFICIENT_DATA", {}, [_, _, _], "OK", "INSUFFICIENT_DATA"],
  ["no data, ignore → state kept", { treatMissingData: "ignore" }, [_, _, _], "ALARM", "ALARM"],
  ["no data, breaching → ALARM", { treatMissingData: "breaching" }, [_, _, _], "OK", "ALARM"],
  ["no data, notBreaching → OK", { treatMissingData: "notBreaching" }, [_, _, _], "ALARM", "OK"],
  ["one breach and one missing (breaching) → ALARM", { treatMissingData: "breaching" }, [90, _, 10], "OK", "ALARM"],
  ["one breach, one missing: ALARM still possible → OK only from known good", {}, [90, _, 10], "INSUFFICIENT_DATA", "OK"],
  ["two good known of 3 with 2 to alarm → OK", {}, [_, 10, 20], "ALARM", "OK"],
  ["1 of 1", { evaluationPeriods: 1, datapointsToAlarm: 1 }, [95], "OK", "ALARM"],
];

for (const [name, r, values, current, want] of cases) {
  test(`evaluate: ${name}`, () => assert.equal(evaluate(rule(r), values, current), want));
}

test("periodRates: CPU seconds per second per period, oldest first; periods without samples are missing", () => {
  const min = 60_000;
  // 1 CPU-second per second from t=0 to t=5min, idle afterwards, nothing in the first period.
  const samples = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => ({ t: 5 * min + m * min, v: Math.min(m, 5) * 60 }));
  const out = periodRates(samples, 15 * min, 5 * min, 3, 100);
  assert.deepEqual(out, [undefined, 100, 0]);
});
