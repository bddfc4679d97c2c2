/**
 * The SSH cores without a server: GetInstanceAccessDetails' user certificates (OpenSSH PROTOCOL.certkeys,
 * checked by `ssh-keygen -L` when present) and the login user read from an instance's /etc/passwd.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { test } from "node:test";
import ssh2 from "ssh2";
import { ed25519Blob, issueUserCert, newCa, newEd25519KeyPair, verifyUserCert } from "../../src/services/lightsail/ssh/cert.js";
import { parsePasswd } from "../../src/services/lightsail/ssh/enter.js";

const run = promisify(execFile);
const hasKeygen = await run("ssh-keygen", ["-?"]).then(() => true, (e: { code?: number | string }) => e.code !== "ENOENT");
const ca = createPrivateKey(newCa());
const caKey = ed25519Blob(ca);
const NOW = Date.UTC(2026, 10, 30, 8, 0, 0);
const ARN = "arn:aws:lightsail:us-east-1:000000000000:Instance/abc";
const creds = issueUserCert(ca, { keyId: ARN, principal: "admin", from: NOW - 60_000, until: NOW + 3600_000 });
const blob = Buffer.from(creds.certKey.split(" ")[1]!, "base64");
const trust = { caKey, keyId: ARN, principal: "admin", now: NOW };

test("GetInstanceAccessDetails: certificate checks (table)", () => {
  const other = ed25519Blob(createPrivateKey(newCa()));
  const tampered = Buffer.from(blob);
  tampered[tampered.length - 100] ^= 1;
  const cases: Array<[string, Buffer, typeof trust, boolean]> = [
    ["valid", blob, trust, true],
    ["another principal (root)", blob, { ...trust, principal: "root" }, false],
    ["another instance's ARN", blob, { ...trust, keyId: `${ARN}x` }, false],
    ["expired", blob, { ...trust, now: NOW + 3600_000 }, false],
    ["not yet valid", blob, { ...trust, now: NOW - 120_000 }, false],
    ["another CA", blob, { ...trust, caKey: other }, false],
    ["a flipped bit", tampered, trust, false],
    ["truncated", blob.subarray(0, blob.length - 10), trust, false],
    ["not a certificate", Buffer.from("garbage"), trust, false],
    ["empty", Buffer.alloc(0), trust, false],
  ];
  for (const [why, cert, t, ok] of cases) assert.equal(verifyUserCert(cert, t), ok, why);
});

test("GetInstanceAccessDetails: the certificate's key must have signed the session", () => {
  const key = ssh2.utils.parseKey(creds.privateKey) as ssh2.ParsedKey;
  const data = Buffer.from("session id and userauth request");
  const signature = key.sign(data) as Buffer;
  assert.equal(verifyUserCert(blob, trust, { blob: data, signature }), true);
  assert.equal(verifyUserCert(blob, trust, { blob: Buffer.from("another session"), signature }), false);
  const stranger = ssh2.utils.parseKey(ssh2.utils.generateKeyPairSync("ed25519").private) as ssh2.ParsedKey;
  assert.equal(verifyUserCert(blob, trust, { blob: data, signature: stranger.sign(data) as Buffer }), false);
});

test("GetInstanceAccessDetails: ssh-keygen reads the certificate as a user certificate for the user", { skip: !hasKeygen && "ssh-keygen is not installed" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-cert-"));
  try {
    writeFileSync(join(dir, "tempkey-cert.pub"), creds.certKey + "\n");
    const out = (await run("ssh-keygen", ["-L", "-f", join(dir, "tempkey-cert.pub")])).stdout;
    assert.match(out, /Type: ssh-ed25519-cert-v01@openssh.com user certificate/);
    assert.match(out, new RegExp(`Key ID: "${ARN}"`));
    assert.match(out, /Principals: \n\s+admin\n/);
    assert.match(out, /permit-pty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SSH: the login user from the instance's /etc/passwd (table)", () => {
  const passwd = "root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000:Admin,,,:/home/admin:/bin/bash\nevil:x:0:0::/:/bin/sh\nodd:x:1001:1001::home:bash;rm\nbad:x:-1:5::/:/bin/sh\nup:x:1002:1002::/home/../../root:/bin/sh\n";
  const cases: Array<[string, ReturnType<typeof parsePasswd>]> = [
    ["admin", { uid: 1000, gid: 1000, home: "/home/admin", shell: "/bin/bash" }],
    ["root", undefined], // uid 0 is refused: a session never runs as root
    ["evil", undefined],
    ["odd", { uid: 1001, gid: 1001, home: "/", shell: "/bin/sh" }],
    ["bad", undefined],
    ["up", { uid: 1002, gid: 1002, home: "/", shell: "/bin/sh" }], // no ".." out of the instance's root
    ["nobody", undefined],
  ];
  for (const [user, want] of cases) assert.deepEqual(parsePasswd(passwd, user), want, user);
});

test("SSH host key: every generated ed25519 key reads back (ssh2's generator alone fails about 1 in 500)", () => {
  for (let i = 0; i < 2000; i++) {
    const k = newEd25519KeyPair("t");
    const parsed = ssh2.utils.parseKey(k.private);
    assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed), `key ${i} unreadable`);
  }
});
