/** Shared set-up for the EventBridge tests: error assertions. */
import assert from "node:assert/strict";

/** Asserts that a promise rejects with an AWS error of this name and (exact) message. */
export async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
