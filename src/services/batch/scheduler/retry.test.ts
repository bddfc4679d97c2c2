/**
 * retryDecision against the cases of the AWS Batch user guide "Automated job retries" (evaluateOnExit
 * examples: retry on Host EC2* status reasons, exit on any other exit code) and the EvaluateOnExit reference.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { retryDecision } from "./retry.js";

const guide = { attempts: 5, evaluateOnExit: [{ onStatusReason: "Host EC2*", action: "RETRY" }, { onReason: "*", action: "EXIT" }] };
const cases: Array<[string, Parameters<typeof retryDecision>[0], number, Parameters<typeof retryDecision>[2], "RETRY" | "EXIT"]> = [
  ["no strategy: one attempt", undefined, 1, { exitCode: 1 }, "EXIT"],
  ["attempts left, no conditions: retry", { attempts: 2 }, 1, { exitCode: 3 }, "RETRY"],
  ["attempts used up", { attempts: 2 }, 2, { exitCode: 3 }, "EXIT"],
  ["guide: host terminated is retried", guide, 1, { statusReason: "Host EC2 (instance i-0abc) terminated." }, "RETRY"],
  ["guide: any other reason exits", guide, 1, { exitCode: 1, reason: "Essential container in task exited", statusReason: "Essential container in task exited" }, "EXIT"],
  ["exit code exact", { attempts: 3, evaluateOnExit: [{ onExitCode: "3", action: "EXIT" }] }, 1, { exitCode: 3 }, "EXIT"],
  ["exit code prefix", { attempts: 3, evaluateOnExit: [{ onExitCode: "1*", action: "exit" }] }, 1, { exitCode: 137 }, "EXIT"],
  ["no condition matches: retried", { attempts: 3, evaluateOnExit: [{ onExitCode: "3", action: "EXIT" }] }, 1, { exitCode: 4 }, "RETRY"],
  ["all given fields must match", { attempts: 3, evaluateOnExit: [{ onExitCode: "3", onReason: "Oops*", action: "EXIT" }] }, 1, { exitCode: 3, reason: "Essential" }, "RETRY"],
  ["first match wins", { attempts: 3, evaluateOnExit: [{ onExitCode: "*", action: "RETRY" }, { onExitCode: "3", action: "EXIT" }] }, 1, { exitCode: 3 }, "RETRY"],
  ["exit code pattern does not match a missing code", { attempts: 3, evaluateOnExit: [{ onExitCode: "*", action: "EXIT" }] }, 1, { statusReason: "Host EC2 (instance i-1) terminated." }, "RETRY"],
];

test("retryDecision: evaluateOnExit and attempts as the AWS Batch guide describes", () => {
  for (const [name, rs, made, exit, want] of cases) assert.equal(retryDecision(rs, made, exit), want, name);
});
