import assert from "node:assert/strict";

/** Asserts an AWS error; the SDK names query-compatible errors by their modeled shape (InvalidParameterValue → InvalidParameterValueException). */
export async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { name: string }) => {
    assert.ok([code, `${code}Exception`, code.replace(/Error$/, "Exception")].includes(e.name), `${e.name} is not ${code}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}
