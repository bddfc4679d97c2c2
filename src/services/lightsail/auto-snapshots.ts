/**
 * The AutoSnapshot add-on's scheduler and its snapshots. Every minute (and once at start: the provider is
 * started at boot when an instance or disk has the add-on enabled, see services/index.ts pendingWork) it
 * takes each enabled resource's daily snapshot once due (auto-schedule.ts), keeps the 7 most recent per
 * resource (AWS's retention), and drops the automatic snapshots of resources that are gone (AWS deletes them
 * with their source) — by the server's clock, so tests drive it with a ManualClock and tick().
 *
 * An instance's automatic snapshot is the same copy as CreateInstanceSnapshot's (its filesystem layer); a
 * disk's copies its directory. Rows live in lightsail_resources as type AutoSnapshot (name
 * TYPE/RESOURCE/DATE) and AutoSnapshotSchedule (TYPE/RESOURCE): '/' is not allowed in Lightsail names, so
 * they never collide with a resource looked up by name.
 *
 * Known gaps: an instance's attached disks are not part of its automatic snapshot (fromAttachedDisks is
 * empty; enable the add-on on the disk itself); the snapshot is taken at the first tick after its time, not
 * at a random point of AWS's 45-minute window.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type * as L from "../../aws/api/lightsail.js";
import type { ServiceEnv } from "../host.js";
import { dateOf, isDue, nextTimeOfDay, reschedule, type Schedule } from "./auto-schedule.js";
import { layout } from "./instances/machine.js";
import type { InstanceBody } from "./instances/runtime.js";
import type { LightsailShared, ResourceRow } from "./shared.js";

export const AUTO = "AutoSnapshot";
const SCHEDULE = "AutoSnapshotSchedule";
const KEEP = 7;
const TICK_MS = 60_000;
const DEFAULT_TIME = "06:00";

type Where = { accountId: string; region: string };
type Source = ResourceRow<{ addOns?: L.AddOnsShape2; sk?: { id?: string; dir?: string }; blueprintId?: string; bundleId?: string; sizeInGb?: number }>;
export interface AutoSnapBody {
  resourceName: string;
  resourceType: "Instance" | "Disk";
  resourceArn: string;
  date: string;
  status: "Success" | "Failed";
  sk: { dir?: string; copyMode?: boolean; blueprintId?: string; bundleId?: string; sizeInGb?: number; error?: string };
}
type ScheduleBody = Schedule & { resourceArn: string };

const where = (r: ResourceRow<unknown>): Where => ({ accountId: r.account, region: r.region });
const enabledAddOn = (r: Source) => r.body.addOns?.find((a) => a.name === AUTO && a.status === "Enabled");

export class AutoSnapshots {
  private readonly timer: NodeJS.Timeout;
  private readonly first: NodeJS.Immediate;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
    /** Copies a tree (cp -a); throws on failure. */
    private readonly copy: (src: string, dst: string) => void,
  ) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.first = setImmediate(() => this.tick());
  }

  close(): void {
    clearInterval(this.timer);
    clearImmediate(this.first);
  }

  /** The automatic snapshots of a resource (this very resource: its ARN), oldest first. */
  list(source: ResourceRow<unknown>): ResourceRow<AutoSnapBody>[] {
    return this.shared.db
      .list<AutoSnapBody>(where(source), AUTO)
      .filter((r) => r.body.resourceArn === source.arn)
      .sort((a, b) => a.body.date.localeCompare(b.body.date));
  }

  get(source: ResourceRow<unknown>, date: string): ResourceRow<AutoSnapBody> | undefined {
    const r = this.shared.db.get<AutoSnapBody>(where(source), AUTO, `${source.type}/${source.name}/${date}`);
    return r && r.body.resourceArn === source.arn ? r : undefined;
  }

  delete(r: ResourceRow<AutoSnapBody>): void {
    this.shared.db.delete(where(r), AUTO, r.name);
    if (r.body.sk.dir) rmSync(r.body.sk.dir, { recursive: true, force: true });
  }

  private schedule(source: Source): ScheduleBody {
    const row = this.shared.db.get<ScheduleBody>(where(source), SCHEDULE, `${source.type}/${source.name}`);
    if (row && row.body.resourceArn === source.arn) return row.body;
    // Enabled at creation (CreateInstances addOns): in force since the resource was created.
    return { resourceArn: source.arn, time: enabledAddOn(source)?.snapshotTimeOfDay ?? DEFAULT_TIME, since: source.created };
  }

  private saveSchedule(source: ResourceRow<unknown>, s: ScheduleBody | undefined): void {
    const name = `${source.type}/${source.name}`;
    if (!s) return this.shared.db.delete(where(source), SCHEDULE, name);
    this.shared.db.put({ account: source.account, region: source.region, type: SCHEDULE, name, arn: source.arn, created: this.env.clock.now(), body: s });
  }

  /**
   * EnableAddOn / DisableAddOn on `source` (before its row is written): the add-on entry to store. Disabling
   * deletes the resource's automatic snapshots, as AWS does.
   */
  configure(source: Source, enable: boolean, time: string | undefined): NonNullable<L.AddOnsShape2>[number] {
    const now = this.env.clock.now();
    if (!enable) {
      for (const r of this.list(source)) this.delete(r);
      this.saveSchedule(source, undefined);
      const old = source.body.addOns?.find((a) => a.name === AUTO);
      return { name: AUTO, status: "Disabled", snapshotTimeOfDay: old?.snapshotTimeOfDay ?? time ?? DEFAULT_TIME };
    }
    const prev = enabledAddOn(source) ? this.schedule(source) : undefined;
    const takenToday = this.get(source, dateOf(now)) !== undefined;
    const next = { ...reschedule(prev, time ?? prev?.time ?? DEFAULT_TIME, now, takenToday), resourceArn: source.arn };
    this.saveSchedule(source, next);
    return { name: AUTO, status: "Enabled", snapshotTimeOfDay: next.time, nextSnapshotTimeOfDay: nextTimeOfDay(next, now, takenToday) };
  }

  /** One pass: due snapshots taken, retention applied, orphans dropped. Returns how many were taken. */
  tick(): number {
    let taken = 0;
    try {
      const now = this.env.clock.now();
      const today = dateOf(now);
      const live = new Set<string>();
      for (const type of ["Instance", "Disk"]) {
        for (const source of this.shared.db.all(type) as Source[]) {
          live.add(source.arn);
          if (!enabledAddOn(source)) continue;
          const s = this.schedule(source);
          if (!isDue(s, now, this.get(source, today) !== undefined)) continue;
          this.take(source, today);
          taken++;
          this.afterTake(source, s, now);
        }
      }
      for (const r of this.shared.db.all<AutoSnapBody>(AUTO)) if (!live.has(r.body.resourceArn)) this.delete(r);
      for (const r of this.shared.db.all<ScheduleBody>(SCHEDULE)) if (!live.has(r.body.resourceArn)) this.shared.db.delete(where(r), SCHEDULE, r.name);
    } catch (e) {
      this.env.log.warn(`lightsail: automatic snapshots: ${(e as Error).message}`);
    }
    return taken;
  }

  /** Takes `date`'s automatic snapshot of `source` (Failed, with the reason logged, when the copy fails). */
  private take(source: Source, date: string): void {
    const dir = join(this.env.config.dataDir, "lightsail", "snapshots", `auto-${this.env.ids.uuid()}`);
    const body: AutoSnapBody = { resourceName: source.name, resourceType: source.type as "Instance" | "Disk", resourceArn: source.arn, date, status: "Success", sk: { dir } };
    try {
      if (source.type === "Instance") {
        const inst = source as unknown as ResourceRow<InstanceBody>;
        const l = layout(this.shared.instances.dir(inst.body.sk.id));
        if (existsSync(l.upper)) this.copy(l.upper, dir);
        else mkdirSync(dir, { recursive: true });
        Object.assign(body.sk, { copyMode: existsSync(l.copy), blueprintId: inst.body.blueprintId, bundleId: inst.body.bundleId });
      } else {
        this.copy(source.body.sk!.dir!, dir);
        body.sk.sizeInGb = source.body.sizeInGb;
      }
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      body.status = "Failed";
      body.sk = { error: (e as Error).message.slice(0, 300) };
      this.env.log.warn(`lightsail: automatic snapshot of ${source.type} ${source.name} failed: ${body.sk.error}`);
    }
    this.shared.db.put({ account: source.account, region: source.region, type: AUTO, name: `${source.type}/${source.name}/${date}`, arn: source.arn, created: this.env.clock.now(), body });
  }

  /** Retention (the 7 most recent) and the add-on's nextSnapshotTimeOfDay once today's is taken. */
  private afterTake(source: Source, s: ScheduleBody, now: number): void {
    const all = this.list(source);
    for (const r of all.slice(0, Math.max(0, all.length - KEEP))) this.delete(r);
    if (s.carry) this.saveSchedule(source, { ...s, carry: undefined });
    const row = this.shared.db.get<Source["body"]>(where(source), source.type, source.name);
    const add = row?.body.addOns?.find((a) => a.name === AUTO);
    if (row && add) {
      add.nextSnapshotTimeOfDay = nextTimeOfDay({ ...s, carry: undefined }, now, true);
      this.shared.db.put(row);
    }
  }
}
