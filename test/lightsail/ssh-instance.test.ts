/**
 * SSH into real instances with the OpenSSH client: the key pair the instance was created with (or the
 * temporary certificate of GetInstanceAccessDetails) logs in on the instance's own address, on --ssh-port and
 * port 22; the session runs INSIDE the instance (its files, hostname, login user, no capabilities) and sees
 * nothing of the host or of another instance; other keys and passwords are refused; the port-22 firewall rule
 * applies; stopping ends sessions and the listener; a restarted Skyport listens again with the same host key.
 * Needs root, bubblewrap, busybox and ssh (skipped otherwise), like the instance tests.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import {
  AllocateStaticIpCommand, AttachStaticIpCommand, CreateInstancesCommand, CreateKeyPairCommand, DownloadDefaultKeyPairCommand, ImportKeyPairCommand, ReleaseStaticIpCommand, DeleteInstanceCommand, GetInstanceAccessDetailsCommand, GetInstanceCommand, GetInstanceStateCommand,
  LightsailClient, PutInstancePublicPortsCommand, StartInstanceCommand, StopInstanceCommand,
} from "@aws-sdk/client-lightsail";
import ssh2 from "ssh2";
import { freePort } from "../helpers/process-server.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const hasSsh = await run("ssh", ["-V"]).then(() => true, () => false);
const can = hasSsh && process.getuid?.() === 0 && existsSync("/usr/bin/bwrap") && (existsSync("/bin/busybox") || existsSync("/usr/bin/busybox"));
const skip = !can && "needs root, bubblewrap, busybox and the OpenSSH client (.ci/run installs them)";
const dir = mkdtempSync(join(tmpdir(), "skyport-ssh-inst-"));
const dataDir = join(dir, "data");
const knownHosts = join(dir, "known_hosts");
let server: TestServer | undefined;
let ls: LightsailClient;
let sshPort = 0;

async function boot(): Promise<void> {
  server = await startServer({ "lightsail-blueprint-image": "debian_12=skyport:busybox", "ssh-port": String(sshPort), ephemeral: false, "data-dir": dataDir });
  ls = new LightsailClient(server.clientConfig);
}
async function halt(): Promise<void> {
  ls?.destroy();
  await server?.stop();
  server = undefined;
}

before(async () => {
  if (!can) return;
  sshPort = await freePort();
  await boot();
});
after(async () => {
  await halt();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until every running instance's SSH listeners are up. */
async function sshReady(): Promise<void> {
  const p = (await server!.skyport.services.get("lightsail")) as { groups: Array<{ settled?(): Promise<void>; constructor: { name: string } }> };
  await p.groups.find((g) => g.constructor.name === "SshOps")!.settled!();
}

async function waitState(name: string, state: string): Promise<void> {
  for (;;) {
    const s = await ls.send(new GetInstanceStateCommand({ instanceName: name }));
    if (s.state!.name === state) return;
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A running instance with user data, created with a new key pair (its private key saved as <name>.pem), or
 * with `key` (its name and private key file).
 */
async function launch(userData: string, key?: { keyPairName?: string; pem: string }): Promise<{ name: string; ip: string; pem: string }> {
  const name = uniqueName("ssh");
  const pem = key?.pem ?? join(dir, `${name}.pem`);
  let keyPairName = key?.keyPairName;
  if (!key) {
    const created = await ls.send(new CreateKeyPairCommand({ keyPairName: uniqueName("key") }));
    writeFileSync(pem, created.privateKeyBase64!, { mode: 0o600 });
    keyPairName = created.keyPair!.name;
  }
  await ls.send(new CreateInstancesCommand({ instanceNames: [name], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0", keyPairName, userData }));
  await waitState(name, "running");
  await sshReady();
  const ip = (await ls.send(new GetInstanceCommand({ instanceName: name }))).instance!.publicIpAddress!;
  return { name, ip, pem };
}

const sshArgs = (pem: string, target: string, port = sshPort, extra: string[] = []) => [
  "-i", pem, "-p", String(port), "-o", "StrictHostKeyChecking=accept-new", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "BatchMode=yes",
  "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20", ...extra, target,
];
const ssh = (pem: string, target: string, cmd: string, port = sshPort, extra: string[] = []) => run("ssh", ["-n", ...sshArgs(pem, target, port, extra), cmd]);
const refused = (e: { code: number; stderr: string }) => e.code === 255;

/** Runs `cmd` over SSH until its output matches (user data runs in the background at first boot). */
async function until(pem: string, target: string, cmd: string, re: RegExp): Promise<string> {
  let out = "";
  for (let i = 0; i < 200 && !re.test(out); i++) out = (await ssh(pem, target, cmd)).stdout;
  return out;
}

test("SSH: the instance's key pair runs commands inside the instance as its login user, with no capabilities", { skip }, async () => {
  const a = await launch("#!/bin/sh\necho made-by-user-data > /mark\n");
  try {
    const at = `admin@${a.ip}`;
    assert.match(await until(a.pem, at, "cat /mark 2>/dev/null || true", /made-by-user-data/), /made-by-user-data/);
    assert.equal((await ssh(a.pem, at, "hostname")).stdout.trim(), a.name);
    const id = (await ssh(a.pem, at, "id -un; id -u; pwd; grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status")).stdout.split("\n");
    assert.equal(id[0], "admin");
    assert.notEqual(id[1], "0");
    assert.equal(id[2], "/home/admin");
    assert.match(id.join("\n"), /CapEff:\s+0+\n/);
    assert.match(id.join("\n"), /CapPrm:\s+0+\n/);
    assert.match(id.join("\n"), /NoNewPrivs:\s+1/);
    // In the instance's cgroups (its memory limit holds for logins too) and cgroup namespace.
    const cg = (await ssh(a.pem, at, "cat /proc/self/cgroup; echo --; cat /proc/1/cgroup")).stdout.split("--\n");
    assert.equal(cg[0], cg[1]);
    await ssh(a.pem, at, "echo changed > page.html");
    assert.equal((await ssh(a.pem, at, "cat /home/admin/page.html")).stdout, "changed\n");
    await assert.rejects(ssh(a.pem, at, "echo x > /etc/owned"), (e: { code: number }) => e.code !== 0);
    await assert.rejects(ssh(a.pem, at, "echo oops >&2; exit 7"), (e: { code: number; stderr: string }) => e.code === 7 && e.stderr.includes("oops"));
    // Port 22 of the instance's address serves the same (Skyport runs as root here).
    assert.equal((await ssh(a.pem, at, "hostname", 22)).stdout.trim(), a.name);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
  }
});

test("SSH: a session sees neither the host's files nor another instance's", { skip }, async () => {
  const a = await launch("#!/bin/sh\necho a > /only-a\n");
  const b = await launch("#!/bin/sh\necho b > /only-b\n");
  try {
    await until(b.pem, `admin@${b.ip}`, "cat /only-b 2>/dev/null || true", /b/);
    await until(a.pem, `admin@${a.ip}`, "cat /only-a 2>/dev/null || true", /a/);
    const paths = [dir, dataDir, join(dir, `${a.name}.pem`), "/work", "/only-b", process.cwd()];
    const out = (await ssh(a.pem, `admin@${a.ip}`, paths.map((p) => `test -e '${p}' && echo 'seen ${p}'`).join("; ") + "; cat /etc/hostname 2>/dev/null; hostname; true")).stdout;
    assert.doesNotMatch(out, /seen /);
    assert.doesNotMatch(out, new RegExp(b.name));
    // Processes: only the instance's own (a handful), not the host's.
    const procs = (await ssh(a.pem, `admin@${a.ip}`, "ls /proc | grep -c '^[0-9]'")).stdout.trim();
    assert.ok(Number(procs) < 30, `the session saw ${procs} processes`);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
    await ls.send(new DeleteInstanceCommand({ instanceName: b.name }));
  }
});

test("SSH: the instance's root cannot make a login root or stall Skyport through /etc/passwd", { skip }, async () => {
  // User data (root inside) makes admin uid 0 in one instance and /etc/passwd a FIFO in another.
  const a = await launch("#!/bin/sh\nsed -i 's/^admin:x:[0-9]*:[0-9]*:/admin:x:0:0:/' /etc/passwd\n");
  const b = await launch("#!/bin/sh\nrm -f /etc/passwd && mkfifo /etc/passwd\n");
  try {
    for (const x of [a, b]) {
      let err: { code: number; stderr: string } | undefined;
      for (let i = 0; i < 200 && !err; i++) err = await ssh(x.pem, `admin@${x.ip}`, "id -u").then(() => undefined, (e) => e);
      assert.equal(err!.code, 255);
      assert.match(err!.stderr, /cannot log in: no usable \(non-root\) entry/);
    }
    assert.equal((await ls.send(new GetInstanceStateCommand({ instanceName: b.name }))).state!.name, "running");
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
    await ls.send(new DeleteInstanceCommand({ instanceName: b.name }));
  }
});

test("SSH: another key pair, another instance's key and a password are refused", { skip }, async () => {
  const a = await launch("");
  const b = await launch("");
  try {
    await assert.rejects(ssh(b.pem, `admin@${a.ip}`, "true"), (e: { code: number; stderr: string }) => refused(e) && /Permission denied \(publickey\)/.test(e.stderr));
    const password = ["-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no"];
    await assert.rejects(ssh(a.pem, `admin@${a.ip}`, "true", sshPort, password), (e: { code: number; stderr: string }) => refused(e) && /Permission denied/.test(e.stderr));
    await assert.rejects(ssh(a.pem, `root@${a.ip}`, "true"), refused);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
    await ls.send(new DeleteInstanceCommand({ instanceName: b.name }));
  }
});

test("SSH: a key added to the login user's ~/.ssh/authorized_keys inside the instance logs in (not through a symlink)", { skip }, async () => {
  const a = await launch("");
  try {
    const at = `admin@${a.ip}`;
    const extra = join(dir, `${a.name}-extra`);
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", extra, "-C", "extra"]);
    const pub = readFileSync(`${extra}.pub`, "utf8").trim();
    await assert.rejects(ssh(extra, at, "true"), refused);
    await ssh(a.pem, at, `mkdir -p ~/.ssh && echo '${pub}' >> ~/.ssh/authorized_keys`);
    assert.equal((await ssh(extra, at, "hostname")).stdout.trim(), a.name);
    await ssh(a.pem, at, `rm -r ~/.ssh && mkdir -p /tmp/k && echo '${pub}' > /tmp/k/authorized_keys && ln -s /tmp/k ~/.ssh`);
    await assert.rejects(ssh(extra, at, "true"), refused);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
  }
});

test("GetInstanceAccessDetails: the temporary key and certificate log in to that instance only", { skip }, async () => {
  const a = await launch("");
  const b = await launch("");
  try {
    const d = (await ls.send(new GetInstanceAccessDetailsCommand({ instanceName: a.name, protocol: "ssh" }))).accessDetails!;
    assert.equal(d.ipAddress, a.ip);
    assert.equal(d.username, "admin");
    const tempkey = join(dir, `${a.name}-tempkey`);
    writeFileSync(tempkey, d.privateKey!, { mode: 0o600 });
    writeFileSync(`${tempkey}-cert.pub`, d.certKey! + "\n");
    const certOpt = ["-o", `CertificateFile=${tempkey}-cert.pub`];
    assert.equal((await ssh(tempkey, `admin@${a.ip}`, "hostname", sshPort, certOpt)).stdout.trim(), a.name);
    await assert.rejects(ssh(tempkey, `admin@${b.ip}`, "true", sshPort, certOpt), (e: { code: number; stderr: string }) => refused(e) && /Permission denied/.test(e.stderr));
    await assert.rejects(ssh(tempkey, `root@${a.ip}`, "true", sshPort, certOpt), refused);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
    await ls.send(new DeleteInstanceCommand({ instanceName: b.name }));
  }
});

test("SSH: a shell reads commands piped to it, with or without a terminal", { skip }, async () => {
  const a = await launch("");
  try {
    const child = spawn("ssh", ["-T", ...sshArgs(a.pem, `admin@${a.ip}`)], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stdin.end("cd /tmp\necho piped > f\ncat f\nhostname\nexit 3\n");
    const code = await new Promise((r) => child.on("close", r));
    assert.equal(code, 3);
    assert.equal(out, `piped\n${a.name}\n`);
    // Asking for a terminal (ssh -tt): the shell gets a real pseudo-terminal, with echo and job control.
    const tty = spawn("ssh", ["-tt", ...sshArgs(a.pem, `admin@${a.ip}`)], { stdio: ["pipe", "pipe", "pipe"] });
    let both = "";
    tty.stdout.on("data", (d) => (both += d));
    tty.stderr.on("data", (d) => (both += d));
    tty.stdin.end("[ -t 0 ] && [ -t 1 ] && echo on-a-terminal; echo in-$((6*7))\nexit 4\n");
    assert.equal(await new Promise((r) => tty.on("close", r)), 4, both);
    assert.match(both, /\non-a-terminal\r\n/);
    assert.match(both, /in-42\r\n/);
    // The terminal has the size the client asked for, and follows window changes.
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.on("ready", () => resolve()).on("error", reject);
      client.connect({ host: a.ip, port: sshPort, username: "admin", privateKey: readFileSync(a.pem) });
    });
    try {
      const shell = await new Promise<ssh2.ClientChannel>((resolve, reject) => client.shell({ rows: 30, cols: 100, term: "xterm" }, (e, ch) => (e ? reject(e) : resolve(ch))));
      let screen = "";
      shell.on("data", (d: Buffer) => (screen += d));
      /** Sends `stty size` until the answer is `want` (a window change applies asynchronously). */
      const size = async (want: string) => {
        for (let i = 0; i < 50; i++) {
          const from = screen.length;
          shell.write("stty size\n");
          for (let j = 0; j < 100 && !/\n\d+ \d+\r\n/.test(screen.slice(from)); j++) await new Promise((r) => shell.once("data", r));
          if (/\n(\d+ \d+)\r\n/.exec(screen.slice(from))?.[1] === want) return true;
        }
        return false;
      };
      assert.ok(await size("30 100"), screen);
      shell.setWindow(40, 120, 0, 0);
      assert.ok(await size("40 120"), screen);
      shell.end("exit\n");
    } finally {
      client.end();
    }
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
  }
});

test("AttachStaticIp: SSH moves to the static address; the default key pair and an imported key log in", { skip }, async () => {
  const def = await ls.send(new DownloadDefaultKeyPairCommand({}));
  const defPem = join(dir, "default.pem");
  writeFileSync(defPem, def.privateKeyBase64!, { mode: 0o600 });
  const a = await launch("", { pem: defPem });
  const ipName = uniqueName("ip");
  try {
    await ls.send(new AllocateStaticIpCommand({ staticIpName: ipName }));
    await ls.send(new AttachStaticIpCommand({ staticIpName: ipName, instanceName: a.name }));
    await sshReady();
    const ip = (await ls.send(new GetInstanceCommand({ instanceName: a.name }))).instance!.publicIpAddress!;
    assert.notEqual(ip, a.ip);
    assert.equal((await ssh(defPem, `admin@${ip}`, "hostname")).stdout.trim(), a.name);
    await assert.rejects(ssh(defPem, `admin@${a.ip}`, "true"), refused);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
    await ls.send(new ReleaseStaticIpCommand({ staticIpName: ipName }));
  }
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "imported"), "-C", "me@laptop"]);
  const keyPairName = uniqueName("imported");
  await ls.send(new ImportKeyPairCommand({ keyPairName, publicKeyBase64: readFileSync(join(dir, "imported.pub"), "utf8") }));
  const b = await launch("", { keyPairName, pem: join(dir, "imported") });
  try {
    assert.equal((await ssh(b.pem, `admin@${b.ip}`, "hostname")).stdout.trim(), b.name);
    await assert.rejects(ssh(defPem, `admin@${b.ip}`, "true"), refused);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: b.name }));
  }
});

test("PutInstancePublicPorts: SSH follows the port-22 rule (closed: refused; CIDRs enforced)", { skip }, async () => {
  const a = await launch("");
  try {
    const at = `admin@${a.ip}`;
    const put = (ports: Array<{ fromPort: number; toPort: number; protocol: "tcp"; cidrs?: string[] }>) => ls.send(new PutInstancePublicPortsCommand({ instanceName: a.name, portInfos: ports }));
    await put([{ fromPort: 80, toPort: 80, protocol: "tcp" }]);
    await sshReady();
    await assert.rejects(ssh(a.pem, at, "true"), (e: { code: number; stderr: string }) => refused(e) && /refused/.test(e.stderr));
    await put([{ fromPort: 22, toPort: 22, protocol: "tcp", cidrs: ["10.0.0.0/8"] }]);
    await sshReady();
    await assert.rejects(ssh(a.pem, at, "true"), refused);
    await put([{ fromPort: 22, toPort: 22, protocol: "tcp", cidrs: ["127.0.0.0/8"] }]);
    await sshReady();
    assert.equal((await ssh(a.pem, at, "hostname")).stdout.trim(), a.name);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
  }
});

test("StopInstance: ends the instance's SSH sessions and listener; StartInstance and a Skyport restart listen again", { skip }, async () => {
  const a = await launch("");
  try {
    const at = `admin@${a.ip}`;
    const long = spawn("ssh", ["-n", ...sshArgs(a.pem, at), "echo started; sleep 600"], { stdio: ["ignore", "pipe", "pipe"] });
    const closed = new Promise((r) => long.on("close", r));
    await new Promise<void>((r) => long.stdout.on("data", (d) => String(d).includes("started") && r()));
    await ls.send(new StopInstanceCommand({ instanceName: a.name }));
    await waitState(a.name, "stopped");
    assert.notEqual(await closed, 0);
    await assert.rejects(ssh(a.pem, at, "true"), (e: { code: number; stderr: string }) => refused(e) && /refused/.test(e.stderr));
    await ls.send(new StartInstanceCommand({ instanceName: a.name }));
    await waitState(a.name, "running");
    await sshReady();
    assert.equal((await ssh(a.pem, at, "hostname")).stdout.trim(), a.name);
    // Restart on the same data directory: the instance runs again and the host key is the one known_hosts has.
    await halt();
    await boot();
    await waitState(a.name, "running");
    await sshReady();
    assert.equal((await ssh(a.pem, at, "hostname", sshPort, ["-o", "StrictHostKeyChecking=yes"])).stdout.trim(), a.name);
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: a.name }));
  }
});
