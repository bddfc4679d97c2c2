/**
 * The server side of Cognito's SRP-6a (USER_SRP_AUTH), written to match what amazon-cognito-identity-js and
 * the AWS SDKs' SRP helpers compute: N is the 3072-bit MODP group of RFC 3526, g = 2, k = H(pad(N) | pad(g)),
 * x = H(pad(salt) | H(poolName | userId | ":" | password)), u = H(pad(A) | pad(B)), the session key is
 * HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key") truncated to 16 bytes, and the client
 * proves it with HMAC-SHA256(key, poolName | userId | secretBlock | timestamp). pad() is the helpers' padHex:
 * the minimal even-length big-endian hex, with "00" prefixed when the top bit is set.
 * Cognito never stores passwords here: each user keeps a random salt and the verifier v = g^x mod N, which is
 * also what USER_PASSWORD_AUTH checks a password against.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const N_HEX =
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
  "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
  "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
  "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
  "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
  "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
export const N = BigInt(`0x${N_HEX}`);
export const g = 2n;
/** Largest accepted hex length of SRP_A (N is 768 hex digits; allow leading zeros and the sign byte). */
const MAX_A_HEX = 1024;

/** The helpers' padHex for a non-negative integer. */
export function padHex(n: bigint): string {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  return /^[89a-f]/i.test(h) ? `00${h}` : h;
}
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();
const hexHash = (hex: string) => sha256(Buffer.from(hex, "hex")).toString("hex");
const toBig = (hex: string) => BigInt(`0x${hex}`);

export const k = toBig(hexHash(padHex(N) + padHex(g)));

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = ((base % mod) + mod) % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    e >>= 1n;
    b = (b * b) % mod;
  }
  return result;
}

/** The pool name part of a pool id ("us-east-1_AbC123" → "AbC123"). */
export const poolNameOf = (poolId: string) => poolId.slice(poolId.indexOf("_") + 1);

function xOf(poolName: string, userId: string, password: string, saltHex: string): bigint {
  const inner = sha256(`${poolName}${userId}:${password}`).toString("hex");
  return toBig(hexHash(padHex(toBig(saltHex)) + inner));
}

/** A new password secret: random salt and the verifier g^x mod N. */
export function makeVerifier(poolId: string, userId: string, password: string): { salt: string; verifier: string } {
  const salt = padHex(toBig(randomBytes(16).toString("hex")));
  const x = xOf(poolNameOf(poolId), userId, password, salt);
  return { salt, verifier: modPow(g, x, N).toString(16) };
}

/** Whether `password` is the one the verifier was made from. */
export function checkPassword(poolId: string, userId: string, password: string, secret: { salt: string; verifier: string }): boolean {
  const x = xOf(poolNameOf(poolId), userId, password, secret.salt);
  const a = Buffer.from(modPow(g, x, N).toString(16));
  const b = Buffer.from(secret.verifier);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses SRP_A; undefined when it is not hex or A mod N is 0 (the client must then be refused). */
export function parseA(srpA: string): bigint | undefined {
  if (!srpA || srpA.length > MAX_A_HEX || !/^[0-9a-fA-F]+$/.test(srpA)) return undefined;
  const A = toBig(srpA);
  return A % N === 0n ? undefined : A;
}

/** Server step 1: a random b and B = k·v + g^b mod N. */
export function serverB(verifierHex: string): { b: string; B: string } {
  const b = toBig(randomBytes(32).toString("hex"));
  const B = (k * toBig(verifierHex) + modPow(g, b, N)) % N;
  return { b: b.toString(16), B: B.toString(16) };
}

/** Server step 2: the 16-byte key both sides derive, from A, B, b and the verifier. */
export function sessionKey(A: bigint, bHex: string, BHex: string, verifierHex: string): Buffer {
  const B = toBig(BHex);
  const u = toBig(hexHash(padHex(A) + padHex(B)));
  const v = toBig(verifierHex);
  const S = modPow(A * modPow(v, u, N), toBig(bHex), N);
  const prk = createHmac("sha256", Buffer.from(padHex(u), "hex")).update(Buffer.from(padHex(S), "hex")).digest();
  return createHmac("sha256", prk).update(Buffer.concat([Buffer.from("Caldera Derived Key", "utf8"), Buffer.from([1])])).digest().subarray(0, 16);
}

/** The PASSWORD_CLAIM_SIGNATURE the client must send (base64). */
export function claimSignature(key: Buffer, poolId: string, userId: string, secretBlockB64: string, timestamp: string): string {
  return createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(poolNameOf(poolId), "utf8"), Buffer.from(userId, "utf8"), Buffer.from(secretBlockB64, "base64"), Buffer.from(timestamp, "utf8")]))
    .digest("base64");
}

/** Constant-time comparison of two base64 signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, "base64");
  const y = Buffer.from(b, "base64");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The TIMESTAMP format the helpers send: "Mon Nov 30 1:02:03"-style is rejected; "Tue Jan 5 09:03:07 UTC 2027" accepted. */
export const SRP_TIMESTAMP = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d UTC \d{4}$/;
