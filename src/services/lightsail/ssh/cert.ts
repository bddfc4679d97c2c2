/**
 * GetInstanceAccessDetails' temporary SSH credentials, as Lightsail gives them: a fresh private key
 * (`tempkey`) and an OpenSSH user certificate for its public key (`tempkey-cert.pub`) signed by a CA the
 * instance trusts — here Skyport's own ed25519 CA (one per data directory), checked by the embedded SSH
 * server. Format: PROTOCOL.certkeys of OpenSSH (ssh-ed25519-cert-v01@openssh.com).
 *
 * The certificate's key id is the instance's ARN (a certificate opens only its instance) and its only
 * principal the instance's login user.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import ssh2 from "ssh2";

const CERT_TYPE = "ssh-ed25519-cert-v01@openssh.com";
const KEY_TYPE = "ssh-ed25519";
const USER_CERT = 1;
const EXTENSIONS = ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc"];

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
const str = (b: Buffer | string) => {
  const x = typeof b === "string" ? Buffer.from(b) : b;
  return Buffer.concat([u32(x.length), x]);
};

/** Reads SSH wire fields from a buffer; every read is bounds-checked (undefined past the end). */
class Reader {
  private pos = 0;
  constructor(private readonly b: Buffer) {}
  string(): Buffer | undefined {
    if (this.pos + 4 > this.b.length) return undefined;
    const n = this.b.readUInt32BE(this.pos);
    if (this.pos + 4 + n > this.b.length) return undefined;
    const out = this.b.subarray(this.pos + 4, this.pos + 4 + n);
    this.pos += 4 + n;
    return out;
  }
  u32(): number | undefined {
    if (this.pos + 4 > this.b.length) return undefined;
    this.pos += 4;
    return this.b.readUInt32BE(this.pos - 4);
  }
  u64(): bigint | undefined {
    if (this.pos + 8 > this.b.length) return undefined;
    this.pos += 8;
    return this.b.readBigUInt64BE(this.pos - 8);
  }
  get offset(): number {
    return this.pos;
  }
  get done(): boolean {
    return this.pos === this.b.length;
  }
}

/** The OpenSSH public key blob of an ed25519 key object. */
export function ed25519Blob(key: KeyObject): Buffer {
  const x = Buffer.from(key.export({ format: "jwk" }).x!, "base64url");
  return Buffer.concat([str(KEY_TYPE), str(x)]);
}

const rawKey = (raw: Buffer): KeyObject => createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });

/** A new certificate authority (PKCS#8 PEM private key). */
export function newCa(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

export interface TempCredentials {
  /** OpenSSH private key (`tempkey`). */
  privateKey: string;
  /** The certificate line (`tempkey-cert.pub`). */
  certKey: string;
}

/**
 * A new ed25519 key pair in OpenSSH format. ssh2's generator now and then writes a private key its own parser
 * refuses ("Malformed OpenSSH private key": about 1 in 500), so each key is read back before it is used.
 */
export function newEd25519KeyPair(comment?: string): { private: string; public: string } {
  for (let i = 0; ; i++) {
    const k = ssh2.utils.generateKeyPairSync("ed25519", comment ? { comment } : {});
    const parsed = ssh2.utils.parseKey(k.private);
    if (!(parsed instanceof Error) && !Array.isArray(parsed)) return k;
    if (i >= 20) throw new Error(`cannot generate a readable ed25519 key: ${parsed instanceof Error ? parsed.message : "several keys"}`);
  }
}

/** A fresh key pair and its user certificate for `principal`, key id `keyId`, valid [from, until) (epoch ms). */
export function issueUserCert(ca: KeyObject, opts: { keyId: string; principal: string; from: number; until: number }): TempCredentials {
  const k = newEd25519KeyPair();
  const pub = new Reader(Buffer.from(k.public.split(" ")[1]!, "base64"));
  pub.string();
  const pk = pub.string()!;
  const caBlob = ed25519Blob(createPublicKey(ca));
  const body = Buffer.concat([
    str(CERT_TYPE), str(randomBytes(32)), str(pk), u64(BigInt.asUintN(64, randomBytes(8).readBigUInt64BE())), u32(USER_CERT), str(opts.keyId),
    str(str(opts.principal)), u64(BigInt(Math.floor(opts.from / 1000))), u64(BigInt(Math.floor(opts.until / 1000))),
    str(Buffer.alloc(0)), str(Buffer.concat(EXTENSIONS.map((e) => Buffer.concat([str(e), str(Buffer.alloc(0))])))), str(Buffer.alloc(0)),
    str(caBlob),
  ]);
  const signature = str(Buffer.concat([str(KEY_TYPE), str(sign(null, body, ca))]));
  return { privateKey: k.private, certKey: `${CERT_TYPE} ${Buffer.concat([body, signature]).toString("base64")} ${opts.principal}` };
}

/**
 * Whether `cert` (a certificate blob offered as a user key) is a valid user certificate from `caKey` for
 * `principal` and `keyId` at `now`; with `session`, also whether its key signed the session data.
 */
export function verifyUserCert(cert: Buffer, trust: { caKey: Buffer; keyId: string; principal: string; now: number }, session?: { blob: Buffer; signature: Buffer }): boolean {
  try {
    const r = new Reader(cert);
    if (r.string()?.toString() !== CERT_TYPE) return false;
    r.string(); // nonce
    const pk = r.string();
    const serial = r.u64();
    const type = r.u32();
    const keyId = r.string()?.toString();
    const principals = r.string();
    const after = r.u64();
    const before = r.u64();
    const critical = r.string();
    r.string(); // extensions
    r.string(); // reserved
    const signer = r.string();
    const signedLength = r.offset;
    const sig = r.string();
    if (!pk || pk.length !== 32 || serial === undefined || type !== USER_CERT || keyId !== trust.keyId || !principals || after === undefined || before === undefined) return false;
    if (!critical || critical.length !== 0 || !signer || !sig || !r.done || !signer.equals(trust.caKey)) return false;
    const names: string[] = [];
    for (const p = new Reader(principals); !p.done; ) {
      const n = p.string();
      if (!n) return false;
      names.push(n.toString());
    }
    const now = BigInt(Math.floor(trust.now / 1000));
    if (!names.includes(trust.principal) || now < after || now >= before) return false;
    const caRaw = new Reader(signer);
    caRaw.string();
    if (!verify(null, cert.subarray(0, signedLength), rawKey(caRaw.string()!), sshSignature(sig)!)) return false;
    if (!session) return true;
    const s = sshSignature(session.signature);
    return s !== undefined && verify(null, session.blob, rawKey(pk), s);
  } catch {
    return false;
  }
}

/** The raw ed25519 signature of an SSH signature blob (string "ssh-ed25519", string sig), or of a bare one. */
function sshSignature(b: Buffer): Buffer | undefined {
  if (b.length === 64) return b;
  const r = new Reader(b);
  if (r.string()?.toString() !== KEY_TYPE) return undefined;
  const s = r.string();
  return s?.length === 64 ? s : undefined;
}
