/**
 * SSH into instances: an embedded SSH server (ssh/server.ts) on each running instance's own address, on
 * --ssh-port (default 2222) and on port 22 when Skyport can bind it (root), so `ssh -i key.pem USER@ADDRESS
 * -p 2222` (or plain `ssh -i key.pem USER@ADDRESS`) logs in with the instance's key pair, a key the login
 * user's ~/.ssh/authorized_keys lists inside the instance, or the temporary key and certificate of
 * GetInstanceAccessDetails — and is refused with any other key or a password.
 * Both ports follow the instance's firewall rule for port 22 (Open/Put/CloseInstancePublicPorts): closed, no
 * listener; open, only sources in its CIDRs. Listeners follow the instances (InstanceRuntime.watchers: start,
 * stop, delete, static IP moves, port changes); stopping or deleting an instance ends its sessions.
 *
 * A session runs INSIDE the instance (ssh/enter.ts): its mount, pid, uts, ipc and net namespaces and cgroups,
 * as the blueprint's login user (admin, ubuntu, ec2-user, bitnami — created at boot when the image lacks
 * it), no capabilities, no_new_privs. The host key and the certificate authority are one per data directory,
 * so known_hosts stays valid across restarts.
 *
 * Known gaps: `sudo` cannot raise privileges (no_new_privs); no port, agent or X11 forwarding, no SFTP
 * subsystem (so `scp` needs `-O`, the old protocol).
 */
import { createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BlockList, isIPv4 } from "node:net";
import ssh2 from "ssh2";
import type * as L from "../../aws/api/lightsail.js";
import type { ServiceEnv } from "../host.js";
import type { LightsailShared } from "./shared.js";
import type { InstanceBody } from "./instances/runtime.js";
import { SshServer } from "./ssh/server.js";
import { ed25519Blob, issueUserCert, newCa, newEd25519KeyPair } from "./ssh/cert.js";
import { authorizedKeyLines, loginUser, readInstanceFile, sessionArgv } from "./ssh/enter.js";

const SSH_PORT = 22;
/** How long GetInstanceAccessDetails' temporary key is valid. */
const TEMP_KEY_MS = 12 * 3600 * 1000;

type KeyLike = { publicKey?: string };
interface Wanted {
  account: string;
  region: string;
  arn: string;
  name: string;
  address: string;
  allow: BlockList;
}

/** The sources port 22's firewall rules let in, or undefined when no rule opens port 22. */
export function sshAllowList(ports: NonNullable<L.Instance["networking"]>["ports"]): BlockList | undefined {
  let open = false;
  const allow = new BlockList();
  for (const p of ports ?? []) {
    if ((p.protocol !== "tcp" && p.protocol !== "all") || p.fromPort! > SSH_PORT || p.toPort! < SSH_PORT) continue;
    open = true;
    for (const c of p.cidrs ?? []) {
      const [a, bits] = c.split("/");
      if (a && isIPv4(a)) allow.addSubnet(a, bits === undefined ? 32 : Number(bits), "ipv4");
    }
  }
  return open ? allow : undefined;
}

export class SshOps {
  private readonly servers = new Map<string, { server: SshServer; ready: Promise<unknown>; wanted: Wanted }>();
  private readonly hostKey: { private: string; public: string };
  private readonly ca: KeyObject;
  private readonly caBlob: Buffer;
  private readonly watcher = () => this.reconcile();
  private readonly warned = new Set<string>();
  private closed = false;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    this.hostKey = this.loadHostKey();
    this.ca = createPrivateKey(this.loadFile("ssh_user_ca_ed25519_key", newCa));
    this.caBlob = ed25519Blob(this.ca);
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
    shared.sshCredentials = (arn, username) => {
      const now = env.clock.now();
      const c = issueUserCert(this.ca, { keyId: arn, principal: username, from: now - 60_000, until: now + TEMP_KEY_MS });
      return { ...c, expiresAt: new Date(now + TEMP_KEY_MS) };
    };
    if (this.port() === 0) return;
    shared.instances.watchers.add(this.watcher);
    this.reconcile();
  }

  private port(): number {
    return this.env.config.sshPort ?? 2222;
  }

  /** A file of the data directory's lightsail/ folder, made by `make` on first use (mode 600). */
  private loadFile(name: string, make: () => string): string {
    const file = join(this.env.config.dataDir, "lightsail", name);
    if (existsSync(file)) return readFileSync(file, "utf8");
    const text = make();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o600 });
    return text;
  }

  /** One ed25519 host key per data directory, so clients' known_hosts stay valid across restarts. */
  private loadHostKey(): { private: string; public: string } {
    let text = this.loadFile("ssh_host_ed25519_key", () => newEd25519KeyPair("skyport-lightsail").private);
    let k = ssh2.utils.parseKey(text);
    if (k instanceof Error || Array.isArray(k)) {
      // An unreadable key (written by an older Skyport whose generator could produce one) is replaced, not fatal:
      // clients see a new host key, but Lightsail keeps working.
      this.env.log.warn(`lightsail: the SSH host key in the data directory is unreadable (${k instanceof Error ? k.message : "several keys"}); a new one replaces it`);
      text = newEd25519KeyPair("skyport-lightsail").private;
      writeFileSync(join(this.env.config.dataDir, "lightsail", "ssh_host_ed25519_key"), text, { mode: 0o600 });
      k = ssh2.utils.parseKey(text) as ssh2.ParsedKey;
    }
    return { private: text, public: `ssh-ed25519 ${(k as ssh2.ParsedKey).getPublicSSH().toString("base64")}` };
  }

  /** Makes the listeners match the running instances whose port 22 is open; closes the others. */
  private reconcile(): void {
    if (this.closed) return;
    const wanted = new Map<string, Wanted>();
    const machines = this.shared.instances.machines;
    for (const r of this.shared.db.all<InstanceBody>("Instance")) {
      const allow = sshAllowList(r.body.networking?.ports);
      if (!machines.get(r.arn)?.running || !r.body.publicIpAddress || !allow) continue;
      wanted.set(`${r.arn}@${r.body.publicIpAddress}`, { account: r.account, region: r.region, arn: r.arn, name: r.name, address: r.body.publicIpAddress, allow });
    }
    for (const [key, s] of this.servers) {
      const w = wanted.get(key);
      if (w) {
        s.wanted.allow = w.allow;
        continue;
      }
      this.servers.delete(key);
      void s.ready.then(() => s.server.close());
    }
    for (const [key, w] of wanted) {
      if (this.servers.has(key)) continue;
      const server = new SshServer(this.hostKey.private, {
        user: () => this.shared.db.get<InstanceBody>({ accountId: w.account, region: w.region }, "Instance", w.name)?.body.username ?? "",
        authorizedKeys: () => this.authorizedKeys(w),
        certificates: () => {
          const row = this.shared.db.get<InstanceBody>({ accountId: w.account, region: w.region }, "Instance", w.name);
          return row?.arn === w.arn && row.body.username ? { caKey: this.caBlob, keyId: w.arn, principal: row.body.username, now: this.env.clock.now() } : undefined;
        },
        enter: (command, tty) => this.enter(w, command, tty),
      });
      server.allow = (ip) => isIPv4(ip) && w.allow.check(ip, "ipv4");
      const ports = [this.port(), ...(this.port() === SSH_PORT ? [] : [SSH_PORT])];
      const ready = Promise.all(ports.map((p) => server.listen(p, w.address).catch((e: Error) => this.warn(p, w, e))));
      this.servers.set(key, { server, ready, wanted: w });
    }
  }

  private warn(port: number, w: Wanted, e: Error): void {
    // Port 22 needs root and a free address: say it once per port, not at every instance start.
    const key = port === SSH_PORT ? `22:${(e as NodeJS.ErrnoException).code}` : `${port}:${w.address}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.env.log.warn(`lightsail: SSH for instance ${w.name} cannot listen on ${w.address}:${port} (${e.message})`);
  }

  private enter(w: Wanted, command: string | undefined, tty?: { rows: number; cols: number }) {
    const row = this.shared.db.get<InstanceBody>({ accountId: w.account, region: w.region }, "Instance", w.name);
    const machine = this.shared.instances.machines.get(w.arn);
    const pid = machine?.running ? machine.pid : undefined;
    if (!row || !pid || !row.body.username) return undefined;
    const who = loginUser(pid, row.body.username);
    if (!who) return `The user ${row.body.username} cannot log in: no usable (non-root) entry for it in the instance's /etc/passwd.`;
    return sessionArgv(pid, { ...who, name: row.body.username }, command, machine!.cgroupProcsFiles(), tty);
  }

  /**
   * The instance's key pair, plus the keys in the login user's ~/.ssh/authorized_keys inside the instance
   * (as sshd there would read them: adding a key to that file lets it log in, as on Lightsail).
   */
  private authorizedKeys(w: Wanted): string[] {
    const ctx = { accountId: w.account, region: w.region };
    const row = this.shared.db.get<InstanceBody>(ctx, "Instance", w.name);
    if (row?.arn !== w.arn) return [];
    const keyName = row.body.sshKeyName;
    const key = keyName ? this.shared.db.get<KeyLike>(ctx, "KeyPair", keyName) : undefined;
    const out = key?.body.publicKey ? [key.body.publicKey] : [];
    const pid = this.shared.instances.machines.get(w.arn)?.pid;
    const who = pid && row.body.username ? loginUser(pid, row.body.username) : undefined;
    if (pid && who && who.home !== "/") out.push(...authorizedKeyLines(readInstanceFile(pid, `${who.home}/.ssh/authorized_keys`) ?? ""));
    return out;
  }

  /** Waits until every listener of the running instances is up (tests; the watchers start them at once). */
  async settled(): Promise<void> {
    this.reconcile();
    await Promise.all([...this.servers.values()].map((s) => s.ready));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.shared.instances.watchers.delete(this.watcher);
    await Promise.all([...this.servers.values()].map(async (s) => (await s.ready, await s.server.close())));
    this.servers.clear();
  }

  async reset(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map(async (s) => (await s.ready, await s.server.close())));
  }

  health(): Record<string, unknown> {
    return { ssh: { port: this.port(), listeners: this.servers.size } };
  }
}
