/**
 * Registry authorization tokens: GetAuthorizationToken's password is `<payload>.<mac>` where the payload names
 * the account, region and expiry (12 hours, as ECR's) and the MAC is an HMAC-SHA256 under a random secret kept
 * in the data directory (so tokens survive restarts; a reset makes new ones necessary). The registry checks them
 * only when signatures are enforced (`--enforce-sigv4`), as Skyport checks SigV4 itself only then.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ImageStore } from "../../images/image-store.js";

interface Payload {
  account: string;
  region: string;
  expiration: number;
}

function secret(images: ImageStore): Buffer {
  const db = images.db.db;
  const row = db.prepare("SELECT value FROM ecr_secrets WHERE name = 'token'").get() as { value: Buffer } | undefined;
  if (row) return row.value;
  const value = randomBytes(32);
  db.prepare("INSERT INTO ecr_secrets (name, value) VALUES ('token', ?) ON CONFLICT DO NOTHING").run(value);
  return (db.prepare("SELECT value FROM ecr_secrets WHERE name = 'token'").get() as { value: Buffer }).value;
}

const mac = (images: ImageStore, payload: string) => createHmac("sha256", secret(images)).update(payload).digest("base64url");

/** The password of a registry token (the part after "AWS:"). */
export function issueToken(images: ImageStore, p: Payload): string {
  const payload = Buffer.from(JSON.stringify(p)).toString("base64url");
  return `${payload}.${mac(images, payload)}`;
}

/** Why an Authorization header does not admit the caller to `account`'s registry, or undefined when it does. */
export function checkAuthorization(images: ImageStore, header: string, account: string, now: number): string | undefined {
  const m = /^(Basic|Bearer)\s+(\S{1,8192})$/i.exec(header.trim());
  if (!m) return "authentication required";
  let password = m[2]!;
  if (m[1]!.toLowerCase() === "basic") {
    const decoded = Buffer.from(password, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i < 0 || decoded.slice(0, i) !== "AWS") return "authentication required";
    password = decoded.slice(i + 1);
  }
  const [payload, given] = password.split(".");
  if (!payload || !given) return "authentication required";
  const want = Buffer.from(mac(images, payload));
  const got = Buffer.from(given);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return "authentication required";
  let p: Payload;
  try {
    p = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Payload;
  } catch {
    return "authentication required";
  }
  if (p.expiration <= now) return "Your authorization token has expired. Reauthenticate and try again.";
  if (p.account !== account) return `Your authorization token is for registry ${p.account}, not ${account}.`;
  return undefined;
}
