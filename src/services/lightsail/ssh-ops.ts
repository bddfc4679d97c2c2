/**
 * SSH into instances: an embedded SSH server (ssh/server.ts) on each running instance's own address and
 * the --ssh-port port (default 2222: port 22 of the address belongs to the instance's own forwarded ports),
 * so `ssh -i key.pem USER@ADDRESS -p 2222` works with the instance's key pair and is refused with any other.
 * Listeners follow the instances (reconciled every second); GetInstanceAccessDetails reports the host key.
 *
 * NOT YET IN THE PROVIDER'S GROUPS: the end-to-end test (test/lightsail/ssh-instance.test.ts, not committed)
 * showed the session's root is still the host's (/proc/PID/root of the sandbox's processes resolves to the
 * host root here), so a login would see host files. Fix before enabling: bind the instance's overlay root
 * (instances/machine.ts layout(dir).root) or enter the sandbox's mount namespace with capabilities dropped.
 *
 * A session runs in the instance: it joins the sandbox's network, uts, ipc and pid namespaces and a fresh
 * bubblewrap mount namespace over the instance's own root, with the same capabilities as the instance's
 * processes (so a login cannot do more than the instance itself). Known gaps: no pseudo-terminal; sessions are
 * not charged to the instance's cgroup.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import ssh2 from "ssh2";
import type { ServiceEnv } from "../host.js";
import type { LightsailShared } from "./shared.js";
import { SshServer } from "./ssh/server.js";

/** The capabilities an instance's processes keep (as instances/machine.ts gives its init). */
const CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP",
];
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const RECONCILE_MS = 1000;

type InstanceLike = { publicIpAddress?: string; sshKeyName?: string };
type KeyLike = { publicKey?: string };
type Runtime = { machines: Map<string, { pid?: number; running?: boolean }> };

/**
 * The host pid of a process inside the sandbox whose root is the instance's: bubblewrap's pid 1 (the
 * reaper, `pid`) keeps the host's root; its first child (the instance's init) has the instance's.
 */
export function instanceInitPid(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** argv of `command` (a login shell when undefined) inside the instance whose sandbox init has host pid `pid`. */
export function enterArgv(pid: number, command: string | undefined): string[] | undefined {
  const init = instanceInitPid(pid);
  if (!init) return undefined;
  return [
    "nsenter", "-t", String(pid), "-n", "-u", "-i", "-p", "--",
    "bwrap", "--bind", `/proc/${init}/root`, "/", "--dev", "/dev", "--proc", "/proc", "--die-with-parent", "--new-session",
    "--cap-drop", "ALL", ...CAPS.flatMap((c) => ["--cap-add", c]),
    "--clearenv", "--setenv", "PATH", PATH, "--setenv", "HOME", "/root", "--chdir", "/",
    "/bin/sh", ...(command === undefined ? ["-l"] : ["-c", command]),
  ];
}

export class SshOps {
  private readonly servers = new Map<string, { server: SshServer; ready: Promise<unknown> }>();
  private readonly hostKey: { private: string; public: string };
  private readonly timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    this.hostKey = this.loadHostKey();
    const blob = Buffer.from(this.hostKey.public.split(/\s+/)[1] ?? "", "base64");
    const witnessedAt = new Date(env.clock.now());
    shared.hostKeys = () => [
      {
        algorithm: "ssh-ed25519",
        publicKey: this.hostKey.public.split(/\s+/)[1],
        witnessedAt,
        fingerprintSHA1: `SHA1:${createHash("sha1").update(blob).digest("base64").replace(/=+$/, "")}`,
        fingerprintSHA256: `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`,
        notValidBefore: witnessedAt,
        notValidAfter: new Date(witnessedAt.getTime() + 365 * 24 * 3600 * 1000),
      },
    ];
    if (env.config.sshPort === 0) return;
    this.timer = setInterval(() => this.reconcile(), RECONCILE_MS);
    this.timer.unref();
    this.reconcile();
  }

  /** One ed25519 host key per data directory, so clients' known_hosts stay valid across restarts. */
  private loadHostKey(): { private: string; public: string } {
    const file = join(this.env.config.dataDir, "lightsail", "ssh_host_ed25519_key");
    if (existsSync(file) && existsSync(`${file}.pub`)) return { private: readFileSync(file, "utf8"), public: readFileSync(`${file}.pub`, "utf8").trim() };
    const k = ssh2.utils.generateKeyPairSync("ed25519", { comment: "skyport-lightsail" });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, k.private, { mode: 0o600 });
    writeFileSync(`${file}.pub`, k.public + "\n");
    return { private: k.private, public: k.public.trim() };
  }

  private runtime(): Runtime | undefined {
    return (this.shared as unknown as { instances?: Runtime }).instances;
  }

  /** Opens a listener for every running instance's address, closes the others. */
  private reconcile(): void {
    if (this.closed) return;
    const port = this.env.config.sshPort ?? 2222;
    const wanted = new Map<string, { account: string; region: string; arn: string; name: string }>();
    const machines = this.runtime()?.machines;
    for (const r of this.shared.db.all<InstanceLike>("Instance")) {
      const m = machines?.get(r.arn);
      if (!m?.pid || !r.body.publicIpAddress) continue;
      wanted.set(`${r.arn}@${r.body.publicIpAddress}`, { account: r.account, region: r.region, arn: r.arn, name: r.name });
    }
    for (const [key, s] of this.servers) {
      if (!wanted.has(key)) {
        this.servers.delete(key);
        void s.ready.then(() => s.server.close());
      }
    }
    for (const [key, inst] of wanted) {
      if (this.servers.has(key)) continue;
      const address = key.slice(key.lastIndexOf("@") + 1);
      const server = new SshServer(this.hostKey.private, {
        authorizedKeys: () => this.authorizedKeys(inst),
        enter: (command) => {
          const pid = this.runtime()?.machines.get(inst.arn)?.pid;
          return pid ? enterArgv(pid, command) : undefined;
        },
      });
      const ready = server.listen(port, address).catch((e: Error) => {
        this.env.log.warn(`lightsail: SSH for instance ${inst.name} could not listen on ${address}:${port} (${e.message})`);
      });
      this.servers.set(key, { server, ready });
    }
  }

  private authorizedKeys(inst: { account: string; region: string; name: string }): string[] {
    const ctx = { accountId: inst.account, region: inst.region };
    const row = this.shared.db.get<InstanceLike>(ctx, "Instance", inst.name);
    const keyName = row?.body.sshKeyName;
    if (!keyName) return [];
    const key = this.shared.db.get<KeyLike>(ctx, "KeyPair", keyName);
    return key?.body.publicKey ? [key.body.publicKey] : [];
  }

  /** Waits until every running instance has its SSH listener (tests; the timer does this within a second). */
  async settled(): Promise<void> {
    this.reconcile();
    await Promise.all([...this.servers.values()].map((s) => s.ready));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.servers.values()].map(async (s) => (await s.ready, s.server.close())));
    this.servers.clear();
  }

  health(): Record<string, unknown> {
    return { ssh: { port: this.env.config.sshPort ?? 2222, listeners: this.servers.size } };
  }
}
