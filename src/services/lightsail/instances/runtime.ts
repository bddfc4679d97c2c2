/**
 * The instances' running side, shared by every group that touches a running instance (instances, ports,
 * static IPs, disks, snapshots): one Machine per started instance, the port forwarder, address allocation,
 * running-time accounting (bills) and CPU/network samples (metrics). State transitions happen here, in the
 * background, serialised per instance: pending → running, stopping → stopped.
 *
 * The desired state is persisted (`sk.desired`), so instances that should be running are started again when
 * Skyport starts (services/index.ts pendingWork).
 */
import { join } from "node:path";
import type * as L from "../../../aws/api/lightsail.js";
import type { ServiceEnv } from "../../host.js";
import { blueprintById, bundleById } from "../catalogue.js";
import { STATE_CODES, type LightsailShared, type ResourceRow } from "../shared.js";
import { prepareBlueprintImage } from "./images.js";
import { sweepCpuCgroups } from "./cpu.js";
import { Machine } from "./machine.js";
import { PortForwarder, type PortRule } from "./ports.js";

/** What Skyport keeps beside AWS's fields of an instance. */
export interface InstanceInternal {
  id: string;
  userData?: string;
  hostIp: string;
  desired: "running" | "stopped";
  /** Running intervals [start, end] in epoch ms (end null while running), for cost estimates. */
  intervals: Array<[number, number | null]>;
  /** Where the root filesystem comes from when it is not the blueprint's image (snapshot restore). */
  fromSnapshotDir?: string;
}
export type InstanceBody = L.Instance & { sk: InstanceInternal };
export type InstanceRow = ResourceRow<InstanceBody>;
type Where = { accountId: string; region: string };

const MAX_INTERVALS = 500;
const SAMPLE_MS = 60_000;
const MAX_SAMPLES = 24 * 60;

export interface Sample {
  t: number;
  cpu: number;
  rx: number;
  tx: number;
}

export class InstanceRuntime {
  readonly machines = new Map<string, Machine>();
  readonly forwarder: PortForwarder;
  readonly samples = new Map<string, Sample[]>();
  /** Called after an instance started, stopped, moved address or changed ports (the SSH group follows them). */
  readonly watchers = new Set<() => void>();
  private readonly chains = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly env: ServiceEnv, private readonly shared: LightsailShared) {
    this.forwarder = new PortForwarder(env.log);
    this.timer = setInterval(() => this.sampleAll(), SAMPLE_MS);
    this.timer.unref();
    sweepCpuCgroups();
    for (const row of shared.db.all<InstanceBody>("Instance")) {
      if (row.body.sk.desired === "running") this.schedule(row, "start");
    }
  }

  static where(row: ResourceRow<unknown>): Where {
    return { accountId: row.account, region: row.region };
  }

  dir(id: string): string {
    return join(this.env.config.dataDir, "lightsail", "instances", id);
  }

  /** Re-reads, changes and stores an instance; undefined when it is gone. */
  update(where: Where, name: string, fn: (b: InstanceBody) => void): InstanceRow | undefined {
    const row = this.shared.db.get<InstanceBody>(where, "Instance", name);
    if (!row) return undefined;
    fn(row.body);
    this.shared.db.put(row);
    return row;
  }

  /** Queues a start, stop or reboot of the instance (one at a time per instance). */
  schedule(row: InstanceRow, what: "start" | "stop" | "reboot"): Promise<void> {
    const key = row.arn;
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        if (this.closed) return;
        if (what !== "start") await this.stopNow(row);
        if (what !== "stop") await this.startNow(row);
      })
      .catch((e) => {
        this.env.log.warn(`lightsail: ${what} of instance ${row.name} failed: ${(e as Error).message}`);
        // An instance that cannot boot (image not available) shows as stopped, not pending forever.
        if (!this.machines.get(row.arn)?.running) this.setState(InstanceRuntime.where(row), row.name, "stopped", (b) => (b.sk.desired = "stopped"));
      });
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  private setState(where: Where, name: string, state: string, extra?: (b: InstanceBody) => void): void {
    this.update(where, name, (b) => {
      b.state = { code: STATE_CODES[state], name: state };
      extra?.(b);
    });
  }

  private async startNow(row0: InstanceRow): Promise<void> {
    const where = InstanceRuntime.where(row0);
    const row = this.shared.db.get<InstanceBody>(where, "Instance", row0.name);
    if (!row || this.machines.get(row.arn)?.running) return;
    this.setState(where, row.name, "pending");
    const b = row.body;
    const bp = blueprintById(b.blueprintId!)!;
    const ref = this.env.config.lightsailBlueprintImages?.[bp.blueprintId!] ?? bp.image;
    const image = await prepareBlueprintImage(this.env, ref);
    const bundle = bundleById(b.bundleId!)!;
    const disks = this.shared.db
      .list<L.Disk & { sk?: { dir: string } }>(where, "Disk")
      .filter((d) => d.body.attachedTo === row.name && d.body.path && d.body.sk?.dir)
      .map((d): [string, string] => [d.body.sk!.dir, d.body.path!]);
    const machine = new Machine(
      {
        id: b.sk.id, hostname: row.name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 63), rootfs: image.rootfs, dir: this.dir(b.sk.id),
        memoryMb: Math.round(bundle.ramSizeInGb * 1024), cpuCount: bundle.cpuCount, privateIp: b.privateIpAddress!, hostIp: b.sk.hostIp, userData: b.sk.userData,
        service: bp.service ? image.command : [], env: image.env, disks, user: b.username ?? bp.username,
      },
      this.env.log,
    );
    if (this.closed) return;
    await machine.start();
    this.machines.set(row.arn, machine);
    await this.applyPorts(row);
    const now = this.env.clock.now();
    this.samples.set(row.arn, [{ t: now, cpu: machine.cpuSeconds(), ...bytes(machine) }]);
    this.setState(where, row.name, "running", (x) => {
      x.sk.intervals.push([now, null]);
      if (x.sk.intervals.length > MAX_INTERVALS) x.sk.intervals.splice(0, x.sk.intervals.length - MAX_INTERVALS);
    });
  }

  private async stopNow(row0: InstanceRow): Promise<void> {
    const where = InstanceRuntime.where(row0);
    const machine = this.machines.get(row0.arn);
    const row = this.shared.db.get<InstanceBody>(where, "Instance", row0.name);
    if (row) this.forwarder.closeAll(row.body.publicIpAddress!);
    if (machine) {
      this.setState(where, row0.name, "stopping");
      await machine.stop();
      this.machines.delete(row0.arn);
      this.changed();
    }
    const now = this.env.clock.now();
    this.setState(where, row0.name, "stopped", (x) => {
      const last = x.sk.intervals[x.sk.intervals.length - 1];
      if (last && last[1] === null) last[1] = now;
    });
  }

  /** Makes the forwarder's listeners match the instance's open ports (when it runs). */
  async applyPorts(row: InstanceRow): Promise<void> {
    const m = this.machines.get(row.arn);
    if (m?.running) await this.forwarder.apply(row.body.publicIpAddress!, row.body.privateIpAddress!, rulesOf(row.body));
    this.changed();
  }

  private changed(): void {
    for (const w of this.watchers) {
      try {
        w();
      } catch (e) {
        this.env.log.warn(`lightsail: ${(e as Error).message}`);
      }
    }
  }

  /** Stops and forgets an instance, deleting its files. */
  async destroy(row: InstanceRow): Promise<void> {
    await this.schedule(row, "stop");
    const m = this.machines.get(row.arn);
    m?.destroy();
    this.machines.delete(row.arn);
    this.samples.delete(row.arn);
    this.changed();
    const { rmSync } = await import("node:fs");
    rmSync(this.dir(row.body.sk.id), { recursive: true, force: true });
  }

  /** Waits until queued transitions of the instance are done. */
  settled(row: InstanceRow): Promise<void> {
    return this.chains.get(row.arn) ?? Promise.resolve();
  }

  sample(arn: string): void {
    const m = this.machines.get(arn);
    if (!m?.running) return;
    const list = this.samples.get(arn) ?? [];
    list.push({ t: this.env.clock.now(), cpu: m.cpuSeconds(), ...bytes(m) });
    if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
    this.samples.set(arn, list);
  }

  private sampleAll(): void {
    for (const arn of this.machines.keys()) this.sample(arn);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.forwarder.close();
    await Promise.all([...this.machines.values()].map((m) => m.stop(1000)));
    this.machines.clear();
  }

  /** After the store was wiped: every instance is stopped and its files deleted. */
  async reset(): Promise<void> {
    this.forwarder.close();
    const all = [...this.machines.values()];
    this.machines.clear();
    await Promise.all(all.map(async (m) => { await m.stop(1000); m.destroy(); }));
    this.samples.clear();
  }

  health(): Record<string, unknown> {
    return { instancesRunning: [...this.machines.values()].filter((m) => m.running).length, forwardedPorts: this.forwarder.listenerCount() };
  }
}

function bytes(m: Machine): { rx: number; tx: number } {
  return m.networkBytes();
}

/** The forwarder's rules from AWS's networking.ports. */
export function rulesOf(b: L.Instance): PortRule[] {
  return (b.networking?.ports ?? []).map((p) => ({ fromPort: p.fromPort!, toPort: p.toPort!, protocol: p.protocol!, cidrs: p.cidrs ?? [] }));
}
