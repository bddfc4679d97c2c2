/**
 * Key pairs: CreateKeyPair (an RSA-2048 key; the private key is returned once as PKCS#1 PEM — AWS's
 * "-----BEGIN RSA PRIVATE KEY-----" in privateKeyBase64 — and not kept), ImportKeyPair (an OpenSSH
 * ssh-rsa/ecdsa/ed25519 public key, as the line or base64 of it), GetKeyPair(s), DeleteKeyPair
 * (expectedFingerprint checked), DownloadDefaultKeyPair (the region's default key, created on first use;
 * its private key is kept because AWS lets you download it again).
 *
 * The public key (OpenSSH line) is stored with the key pair: the SSH server authorises instance logins with it.
 * Fingerprints are colon-separated MD5 of the public key blob (`ssh-keygen -E md5 -l`).
 */
import { createHash, generateKeyPair as genKeyPair } from "node:crypto";
import { promisify } from "node:util";
import ssh2 from "ssh2";
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { checkName, invalidInput, notFound, type LightsailShared, type ResourceRow } from "./shared.js";

const generateKeyPair = promisify(genKeyPair);
export const DEFAULT_KEY_PAIR = "LightsailDefaultKeyPair";
const TYPE = "KeyPair";
const MAX_PUBLIC_KEY_CHARS = 16 * 1024;

export interface KeyPairBody extends L.KeyPair {
  publicKey: string;
  /** Only the default key pair keeps its private key. */
  privateKey?: string;
}

/** A new RSA key pair: PKCS#1 PEM private key, OpenSSH public key line. */
export async function newRsaKey(comment: string): Promise<{ privateKey: string; publicKey: string }> {
  const { privateKey, publicKey } = await generateKeyPair("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "jwk" as "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const jwk = publicKey as unknown as { e: string; n: string };
  const blob = sshString(Buffer.from("ssh-rsa"), mpint(Buffer.from(jwk.e, "base64url")), mpint(Buffer.from(jwk.n, "base64url")));
  return { privateKey: privateKey as string, publicKey: `ssh-rsa ${blob.toString("base64")} ${comment}` };
}

function mpint(b: Buffer): Buffer {
  return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}
function sshString(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts.flatMap((p) => [Buffer.from([p.length >>> 24, (p.length >>> 16) & 255, (p.length >>> 8) & 255, p.length & 255]), p]));
}

/** colon-separated MD5 of the key blob of an OpenSSH public key line. */
export function fingerprintOf(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return createHash("md5").update(blob).digest("hex").replace(/(..)(?!$)/g, "$1:");
}

/** The OpenSSH public key line of an ImportKeyPair input (the line itself, or base64 of it); throws when it is not one. */
export function parsePublicKey(input: unknown): string {
  if (typeof input !== "string" || input.length === 0) throw invalidInput("publicKeyBase64 is required");
  if (input.length > MAX_PUBLIC_KEY_CHARS) throw invalidInput("The public key is too long");
  let line = input.trim();
  if (!/^(ssh-|ecdsa-)/.test(line)) line = Buffer.from(line, "base64").toString("utf8").trim();
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey()) throw invalidInput("The public key is not a valid OpenSSH public key");
  return line.split(/\r?\n/)[0]!;
}

export class KeyPairOps {
  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {}

  private view(r: ResourceRow<KeyPairBody>): L.KeyPair {
    const { publicKey: _p, privateKey: _k, ...kp } = r.body;
    return { ...kp, createdAt: new Date(r.created) };
  }

  private store(ctx: RequestContext, name: string, publicKey: string, tags: L.TagsShape, privateKey?: string): ResourceRow<KeyPairBody> {
    const created = this.shared.now();
    const arn = this.shared.arn(ctx, TYPE);
    const row: ResourceRow<KeyPairBody> = {
      account: ctx.accountId, region: ctx.region, type: TYPE, name, arn, created: created.getTime(),
      body: {
        name, arn, supportCode: `${ctx.accountId}/${name}`, location: this.shared.location(ctx), resourceType: TYPE, tags,
        fingerprint: fingerprintOf(publicKey), publicKey, ...(privateKey ? { privateKey } : {}),
      },
    };
    this.shared.db.put(row);
    return row;
  }

  private require(ctx: RequestContext, name: string): ResourceRow<KeyPairBody> {
    const r = this.shared.db.get<KeyPairBody>(ctx, TYPE, name);
    if (!r) throw notFound(`The KeyPair does not exist: ${name}`);
    return r;
  }

  private checkFree(ctx: RequestContext, name: string): void {
    if (name === DEFAULT_KEY_PAIR || this.shared.db.get(ctx, TYPE, name)) throw invalidInput(`The KeyPair with name ${name} already exists.`);
  }

  async CreateKeyPair(ctx: RequestContext, input: L.CreateKeyPairInput): Promise<L.CreateKeyPairOutput> {
    const name = checkName(input.keyPairName, "keyPairName");
    const tags = this.shared.tagsIn(input.tags);
    this.checkFree(ctx, name);
    const key = await newRsaKey(name);
    this.checkFree(ctx, name); // a concurrent CreateKeyPair may have won while the key was generated
    const row = this.store(ctx, name, key.publicKey, tags);
    return {
      keyPair: this.view(row),
      publicKeyBase64: key.publicKey,
      privateKeyBase64: key.privateKey,
      operation: this.shared.operation(ctx, name, TYPE, "CreateKeyPair"),
    };
  }

  ImportKeyPair(ctx: RequestContext, input: L.ImportKeyPairInput): L.ImportKeyPairOutput {
    const name = checkName(input.keyPairName, "keyPairName");
    const publicKey = parsePublicKey(input.publicKeyBase64);
    this.checkFree(ctx, name);
    this.store(ctx, name, publicKey, []);
    return { operation: this.shared.operation(ctx, name, TYPE, "ImportKeyPair") };
  }

  GetKeyPair(ctx: RequestContext, input: L.GetKeyPairInput): L.GetKeyPairOutput {
    return { keyPair: this.view(this.require(ctx, checkName(input.keyPairName, "keyPairName"))) };
  }

  GetKeyPairs(ctx: RequestContext, input: L.GetKeyPairsInput): L.GetKeyPairsOutput {
    const rows = this.shared.db.list<KeyPairBody>(ctx, TYPE).filter((r) => input.includeDefaultKeyPair === true || r.name !== DEFAULT_KEY_PAIR);
    return { keyPairs: rows.map((r) => this.view(r)) };
  }

  DeleteKeyPair(ctx: RequestContext, input: L.DeleteKeyPairInput): L.DeleteKeyPairOutput {
    const name = checkName(input.keyPairName, "keyPairName");
    const r = this.require(ctx, name);
    if (input.expectedFingerprint !== undefined && input.expectedFingerprint !== r.body.fingerprint) {
      throw invalidInput(`The fingerprint of the KeyPair ${name} does not match the expected fingerprint.`);
    }
    this.shared.db.delete(ctx, TYPE, name);
    return { operation: this.shared.operation(ctx, name, TYPE, "DeleteKeyPair") };
  }

  async DownloadDefaultKeyPair(ctx: RequestContext): Promise<L.DownloadDefaultKeyPairOutput> {
    const r = await defaultKeyPair(this.shared, ctx);
    return { publicKeyBase64: r.body.publicKey, privateKeyBase64: r.body.privateKey, createdAt: new Date(r.created) };
  }
}

/** The region's default key pair, created on first use (DownloadDefaultKeyPair, instances created without a key). */
export async function defaultKeyPair(shared: LightsailShared, ctx: Pick<RequestContext, "accountId" | "region">): Promise<ResourceRow<KeyPairBody>> {
  const existing = shared.db.get<KeyPairBody>(ctx, TYPE, DEFAULT_KEY_PAIR);
  if (existing) return existing;
  const key = await newRsaKey(DEFAULT_KEY_PAIR);
  const again = shared.db.get<KeyPairBody>(ctx, TYPE, DEFAULT_KEY_PAIR);
  if (again) return again;
  const arn = shared.arn(ctx, TYPE);
  const row: ResourceRow<KeyPairBody> = {
    account: ctx.accountId, region: ctx.region, type: TYPE, name: DEFAULT_KEY_PAIR, arn, created: shared.now().getTime(),
    body: {
      name: DEFAULT_KEY_PAIR, arn, supportCode: `${ctx.accountId}/${DEFAULT_KEY_PAIR}`, location: shared.location(ctx), resourceType: TYPE, tags: [],
      fingerprint: fingerprintOf(key.publicKey), publicKey: key.publicKey, privateKey: key.privateKey,
    },
  };
  shared.db.put(row);
  return row;
}

/** The OpenSSH public key line of a key pair (for the SSH server), or undefined. */
export function publicKeyOf(shared: LightsailShared, ctx: Pick<RequestContext, "accountId" | "region">, keyPairName: string): string | undefined {
  return shared.db.get<KeyPairBody>(ctx, TYPE, keyPairName)?.body.publicKey;
}
