import { test } from "node:test";
import assert from "node:assert/strict";
import { randomText } from "./ids.js";

test("randomText: the requested bytes in the requested encoding, never the same bytes twice across pool refills", () => {
  const cases: Array<[number, "hex" | "base64" | "base64url", RegExp]> = [
    [12, "base64", /^[A-Za-z0-9+/]{16}$/],
    [10, "base64", /^[A-Za-z0-9+/]{14}==$/],
    [16, "hex", /^[0-9a-f]{32}$/],
    [9, "base64url", /^[A-Za-z0-9_-]{12}$/],
    [5000, "hex", /^[0-9a-f]{10000}$/], // larger than the pool: drawn on its own
  ];
  for (const [bytes, encoding, shape] of cases) assert.match(randomText(bytes, encoding), shape, `${bytes} bytes as ${encoding}`);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(randomText(12, "hex")); // ~6 refills of the 4 KB pool
  assert.equal(seen.size, 2000);
});
