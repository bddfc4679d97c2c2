import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { checkPassword, claimSignature, makeVerifier, padHex, parseA, sameSignature, serverB, sessionKey, SRP_TIMESTAMP } from "./srp.js";

// Outside truth: the SRP helper AWS ships in amazon-cognito-identity-js (the client side of USER_SRP_AUTH).
const require = createRequire(import.meta.url);
const AuthenticationHelper = require("amazon-cognito-identity-js/lib/AuthenticationHelper.js").default;
const BigInteger = require("amazon-cognito-identity-js/lib/BigInteger.js").default;

test("padHex: even length, 00 prefixed when the top bit is set (the helpers' padHex)", () => {
  const helper = new AuthenticationHelper("pool");
  for (const hex of ["1", "7f", "80", "abc", "8abc", "ff00", "0100"]) {
    assert.equal(padHex(BigInt(`0x${hex}`)), helper.padHex(new BigInteger(hex, 16)), hex);
  }
});

test("SRP: the server's session key and claim signature match amazon-cognito-identity-js's", async () => {
  const poolId = "us-east-1_Ab3dEf9Hi";
  const secret = makeVerifier(poolId, "user-1", "Passw0rd!");
  const helper = new AuthenticationHelper("Ab3dEf9Hi");
  const A: { toString(r: number): string } = await new Promise((res, rej) => helper.getLargeAValue((e: Error | null, a: never) => (e ? rej(e) : res(a))));
  const { b, B } = serverB(secret.verifier);
  const clientKey: Buffer = await new Promise((res, rej) =>
    helper.getPasswordAuthenticationKey("user-1", "Passw0rd!", new BigInteger(B, 16), new BigInteger(secret.salt, 16), (e: Error | null, k: Buffer) => (e ? rej(e) : res(Buffer.from(k)))),
  );
  const serverKey = sessionKey(parseA(A.toString(16))!, b, B, secret.verifier);
  assert.equal(serverKey.toString("hex"), clientKey.toString("hex"));
  const block = Buffer.from("secret block").toString("base64");
  const ts = "Mon Nov 30 02:05:09 UTC 2026";
  assert.ok(sameSignature(claimSignature(serverKey, poolId, "user-1", block, ts), claimSignature(clientKey, poolId, "user-1", block, ts)));
  assert.ok(!sameSignature(claimSignature(serverKey, poolId, "user-1", block, ts), claimSignature(serverKey, poolId, "user-2", block, ts)));
});

test("SRP: the verifier checks the password it was made from and no other", () => {
  const secret = makeVerifier("us-east-1_X", "u", "Right0!pw");
  assert.equal(checkPassword("us-east-1_X", "u", "Right0!pw", secret), true);
  assert.equal(checkPassword("us-east-1_X", "u", "Wrong0!pw", secret), false);
  assert.equal(checkPassword("us-east-1_X", "v", "Right0!pw", secret), false);
});

test("SRP: SRP_A that is not hex, too long, or 0 mod N is refused", () => {
  assert.equal(parseA("xyz"), undefined);
  assert.equal(parseA(""), undefined);
  assert.equal(parseA("f".repeat(2000)), undefined);
  assert.equal(parseA("0"), undefined);
  assert.ok(parseA("02"));
});

test("SRP: TIMESTAMP has the helpers' format (AWS's EEE MMM d HH:mm:ss z yyyy)", () => {
  for (const ok of ["Mon Nov 30 02:05:09 UTC 2026", "Tue Jan 5 09:03:07 UTC 2027", "Tue Jan 05 09:03:07 UTC 2027"]) assert.match(ok, SRP_TIMESTAMP);
  for (const bad of ["Mon Nov 32 02:05:09 UTC 2026", "2026-11-30T02:05:09Z", "Mon Nov 30 2:05:09 UTC 2026"]) assert.doesNotMatch(bad, SRP_TIMESTAMP);
});
