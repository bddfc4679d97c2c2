/**
 * The embedded SSH server on its own, with the real OpenSSH client (skipped without `ssh`): logins with the
 * authorised key run commands through the target's argv (here a plain shell in a directory of the test's
 * own, standing in for an instance); any other key is refused.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import ssh2 from "ssh2";
import { SshServer } from "../../src/services/lightsail/ssh/server.js";

const run = promisify(execFile);
const hasSsh = await run("ssh", ["-V"]).then(() => true, () => false);
const dir = mkdtempSync(join(tmpdir(), "skyport-ssh-"));
let server: SshServer;
let port = 0;
let running = true;

function keyPair(name: string): { file: string; publicLine: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const file = join(dir, name);
  writeFileSync(file, privateKey, { mode: 0o600 });
  const parsed = ssh2.utils.parseKey(privateKey) as ssh2.ParsedKey;
  return { file, publicLine: `ssh-rsa ${parsed.getPublicSSH().toString("base64")} ${name}` };
}

const good = keyPair("good.pem");
const bad = keyPair("bad.pem");

before(async () => {
  const host = ssh2.utils.generateKeyPairSync("ed25519");
  server = new SshServer(host.private, {
    authorizedKeys: () => [good.publicLine],
    enter: (command) => (running ? { argv: ["/bin/sh", "-c", `cd ${dir} && ${command ?? "exec /bin/sh -i"}`], env: {} } : undefined),
  });
  port = await server.listen(0, "127.0.0.1");
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ssh = (key: string, ...cmd: string[]) =>
  run("ssh", ["-i", key, "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "admin@127.0.0.1", ...cmd]);

test("SSH: the instance's key runs a command inside it; exit codes and stderr come back", { skip: !hasSsh && "openssh-client is not installed" }, async () => {
  const out = await ssh(good.file, "echo hello > greeting && cat greeting && pwd");
  assert.equal(out.stdout, `hello\n${dir}\n`);
  await assert.rejects(ssh(good.file, "echo oops >&2; exit 7"), (e: { code: number; stderr: string }) => e.code === 7 && e.stderr.includes("oops"));
});

test("SSH: a shell reads commands from stdin", { skip: !hasSsh && "openssh-client is not installed" }, async () => {
  const child = execFile("ssh", ["-T", "-i", good.file, "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "admin@127.0.0.1"]);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stdin!.end("echo from-shell\nexit 0\n");
  const code = await new Promise((r) => child.on("close", r));
  assert.equal(code, 0);
  assert.match(out, /from-shell/);
});

test("SSH: another key is refused", { skip: !hasSsh && "openssh-client is not installed" }, async () => {
  await assert.rejects(ssh(bad.file, "true"), (e: { code: number; stderr: string }) => e.code === 255 && /Permission denied \(publickey\)/.test(e.stderr));
});

test("SSH: a stopped instance says so", { skip: !hasSsh && "openssh-client is not installed" }, async () => {
  running = false;
  try {
    await assert.rejects(ssh(good.file, "true"), (e: { code: number; stderr: string }) => e.code === 255 && /not running/.test(e.stderr));
  } finally {
    running = true;
  }
});

test("SSH: a command with a NUL byte is refused and the server keeps serving", { skip: !hasSsh && "openssh-client is not installed" }, async () => {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.on("ready", () => resolve()).on("error", reject);
    client.connect({ host: "127.0.0.1", port, username: "admin", privateKey: readFileSync(good.file) });
  });
  try {
    const err = await new Promise<Error | undefined>((r) => client.exec("echo a\0b", (e) => r(e)));
    assert.ok(err, "the exec request is refused");
  } finally {
    client.end();
  }
  assert.equal((await ssh(good.file, "echo still-serving")).stdout, "still-serving\n");
});
