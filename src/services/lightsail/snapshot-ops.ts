/**
 * Snapshots. CreateInstanceSnapshot copies the instance's own filesystem layer (the overlay's upper
 * directory — everything the instance changed on its image — or the whole root in copy mode) with `cp -a`
 * (owners, modes, xattrs and overlay whiteouts kept) to <data dir>/lightsail/snapshots/<id>;
 * CreateInstancesFromSnapshot starts new instances from a copy of it on the same image. Disk snapshots copy
 * a disk's directory; CreateDiskFromSnapshot restores one. Snapshots of a running instance are taken live
 * (crash-consistent, like AWS's). The AutoSnapshot add-on (Enable/DisableAddOn, GetAutoSnapshots,
 * DeleteAutoSnapshot, restores with sourceInstanceName/sourceDiskName + restoreDate or
 * useLatestRestorableAutoSnapshot) is scheduled by auto-snapshots.ts.
 *
 * CopySnapshot copies a manual snapshot, or keeps an automatic one as a manual snapshot (AWS's "Keep"), from
 * any region of the account into the request's region.
 *
 * Differences: AWS's OperationType has neither DeleteAutoSnapshot nor CopySnapshot: they are recorded as
 * Delete{Instance,Disk}Snapshot on the source resource and Create{Instance,Disk}Snapshot on the copy;
 * attachedDiskMapping is not supported.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { AutoSnapshots, type AutoSnapBody } from "./auto-snapshots.js";
import { REGIONS, bundleById } from "./catalogue.js";
import { InstanceOps } from "./instance-ops.js";
import { layout } from "./instances/machine.js";
import type { InstanceBody } from "./instances/runtime.js";
import { checkName, invalidInput, notFound, operationFailure, type LightsailShared, type ResourceRow } from "./shared.js";
import { StorageOps, type DiskBody } from "./storage-ops.js";

type SnapBody = L.InstanceSnapshot & { sk: { dir: string; copyMode: boolean } };
type DiskSnapBody = L.DiskSnapshot & { sk: { dir: string } };

/** cp -a SRC/. DST (DST created). */
function copyTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  const r = spawnSync("cp", ["-a", `${src}/.`, dst], { encoding: "utf8" });
  if (r.status !== 0) throw operationFailure(`Copying the filesystem failed: ${(r.stderr || r.error?.message || "").trim().slice(0, 300)}`);
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export class SnapshotOps {
  readonly auto: AutoSnapshots;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    this.auto = new AutoSnapshots(env, shared, copyTree);
  }

  close(): void {
    this.auto.close();
  }

  /** After the store was wiped (/_skyport/reset): the copies of snapshots no row names any more. */
  reset(): void {
    rmSync(join(this.env.config.dataDir, "lightsail", "snapshots"), { recursive: true, force: true });
  }

  private dir(id: string): string {
    return join(this.env.config.dataDir, "lightsail", "snapshots", id);
  }

  private snap(ctx: RequestContext, name: unknown): ResourceRow<SnapBody> {
    const n = checkName(name, "instanceSnapshotName");
    const r = this.shared.db.get<SnapBody>(ctx, "InstanceSnapshot", n);
    if (!r) throw notFound(`The InstanceSnapshot does not exist: ${n}`);
    return r;
  }

  private view<B extends { sk: unknown }>(r: ResourceRow<B>): Omit<B, "sk"> & { createdAt: Date } {
    const { sk: _sk, ...b } = r.body;
    return { ...b, createdAt: new Date(r.created) };
  }

  CreateInstanceSnapshot(ctx: RequestContext, input: L.CreateInstanceSnapshotInput): L.CreateInstanceSnapshotOutput {
    const name = checkName(input.instanceSnapshotName, "instanceSnapshotName");
    const instName = checkName(input.instanceName, "instanceName");
    const inst = this.shared.db.get<InstanceBody>(ctx, "Instance", instName);
    if (!inst) throw notFound(`The Instance does not exist: ${instName}`);
    if (this.shared.db.get(ctx, "InstanceSnapshot", name)) throw invalidInput(`The InstanceSnapshot ${name} already exists.`);
    const tags = this.shared.tagsIn(input.tags);
    const id = this.env.ids.uuid();
    const l = layout(this.shared.instances.dir(inst.body.sk.id));
    const copyMode = existsSync(l.copy);
    const dst = this.dir(id);
    if (existsSync(l.upper)) copyTree(l.upper, dst);
    else mkdirSync(dst, { recursive: true });
    const arn = `arn:aws:lightsail:${ctx.region}:${ctx.accountId}:InstanceSnapshot/${id}`;
    const bundle = bundleById(inst.body.bundleId!)!;
    const body: SnapBody = {
      name, arn, supportCode: `${ctx.accountId}/ami-${id.replace(/-/g, "").slice(0, 17)}`, location: inst.body.location, resourceType: "InstanceSnapshot", tags,
      state: "available", progress: "100%", fromAttachedDisks: [], fromInstanceName: inst.name, fromInstanceArn: inst.arn, fromBlueprintId: inst.body.blueprintId,
      fromBundleId: inst.body.bundleId, isFromAutoSnapshot: false, sizeInGb: bundle.diskSizeInGb, sk: { dir: dst, copyMode },
    };
    this.shared.db.put({ account: ctx.accountId, region: ctx.region, type: "InstanceSnapshot", name, arn, created: this.env.clock.now(), body });
    return { operations: [this.shared.operation(ctx, name, "InstanceSnapshot", "CreateInstanceSnapshot"), this.shared.operation(ctx, inst.name, "Instance", "CreateInstanceSnapshot")] };
  }

  GetInstanceSnapshot(ctx: RequestContext, input: L.GetInstanceSnapshotInput): L.GetInstanceSnapshotOutput {
    return { instanceSnapshot: this.view(this.snap(ctx, input.instanceSnapshotName)) };
  }

  GetInstanceSnapshots(ctx: RequestContext): L.GetInstanceSnapshotsOutput {
    return { instanceSnapshots: this.shared.db.list<SnapBody>(ctx, "InstanceSnapshot").map((r) => this.view(r)) };
  }

  DeleteInstanceSnapshot(ctx: RequestContext, input: L.DeleteInstanceSnapshotInput): L.DeleteInstanceSnapshotOutput {
    const r = this.snap(ctx, input.instanceSnapshotName);
    this.shared.db.delete(ctx, "InstanceSnapshot", r.name);
    rmSync(r.body.sk.dir, { recursive: true, force: true });
    return { operations: [this.shared.operation(ctx, r.name, "InstanceSnapshot", "DeleteInstanceSnapshot")] };
  }

  async CreateInstancesFromSnapshot(ctx: RequestContext, input: L.CreateInstancesFromSnapshotInput): Promise<L.CreateInstancesFromSnapshotOutput> {
    const ops = this.shared.group(InstanceOps);
    if (input.attachedDiskMapping !== undefined) throw invalidInput("attachedDiskMapping is not supported by Skyport: instance snapshots do not include attached disks");
    const snap = this.instanceSource(ctx, input);
    const names = await ops.checkCreate(ctx, input);
    const minDisk = snap.body.sizeInGb ?? 0;
    if ((bundleById(input.bundleId)?.diskSizeInGb ?? 0) < minDisk) throw invalidInput(`The bundle ${input.bundleId} is too small for the snapshot ${snap.name}.`);
    const tags = this.shared.tagsIn(input.tags);
    const operations: L.OperationsItem[] = [];
    for (const name of names) {
      operations.push(
        await ops.createOne(
          ctx, name,
          { zone: input.availabilityZone, blueprintId: snap.body.fromBlueprintId!, bundleId: input.bundleId, userData: input.userData, keyPairName: input.keyPairName, tags, addOns: input.addOns, ipAddressType: input.ipAddressType },
          async (id) => {
            const l = layout(this.shared.instances.dir(id));
            copyTree(snap.body.sk.dir, l.upper);
            if (snap.body.sk.copyMode) writeFileSync(l.copy, "");
          },
        ),
      );
    }
    return { operations };
  }

  // ------------------------------------------------------------------ disk snapshots and add-ons

  CreateDiskSnapshot(ctx: RequestContext, input: L.CreateDiskSnapshotInput): L.CreateDiskSnapshotOutput {
    const name = checkName(input.diskSnapshotName, "diskSnapshotName");
    if (input.diskName === undefined) throw invalidInput("Snapshots of an instance's system disk are taken with CreateInstanceSnapshot in Skyport; give diskName");
    const storage = this.shared.group(StorageOps);
    const d = storage.disk(ctx, input.diskName);
    if (this.shared.db.get(ctx, "DiskSnapshot", name)) throw invalidInput(`The DiskSnapshot ${name} already exists.`);
    const id = this.env.ids.uuid();
    const dst = this.dir(id);
    copyTree(d.body.sk.dir, dst);
    const arn = `arn:aws:lightsail:${ctx.region}:${ctx.accountId}:DiskSnapshot/${id}`;
    const body: DiskSnapBody = {
      name, arn, supportCode: `${ctx.accountId}/snap-${id.replace(/-/g, "").slice(0, 17)}`, location: d.body.location, resourceType: "DiskSnapshot", tags: this.shared.tagsIn(input.tags),
      sizeInGb: d.body.sizeInGb, state: "completed", progress: "100%", fromDiskName: d.name, fromDiskArn: d.arn, isFromAutoSnapshot: false, sk: { dir: dst },
    };
    this.shared.db.put({ account: ctx.accountId, region: ctx.region, type: "DiskSnapshot", name, arn, created: this.env.clock.now(), body });
    return { operations: [this.shared.operation(ctx, name, "DiskSnapshot", "CreateDiskSnapshot")] };
  }

  private diskSnap(ctx: RequestContext, name: unknown): ResourceRow<DiskSnapBody> {
    const n = checkName(name, "diskSnapshotName");
    const r = this.shared.db.get<DiskSnapBody>(ctx, "DiskSnapshot", n);
    if (!r) throw notFound(`The DiskSnapshot does not exist: ${n}`);
    return r;
  }

  GetDiskSnapshot(ctx: RequestContext, input: L.GetDiskSnapshotInput): L.GetDiskSnapshotOutput {
    return { diskSnapshot: this.view(this.diskSnap(ctx, input.diskSnapshotName)) };
  }

  GetDiskSnapshots(ctx: RequestContext): L.GetDiskSnapshotsOutput {
    return { diskSnapshots: this.shared.db.list<DiskSnapBody>(ctx, "DiskSnapshot").map((r) => this.view(r)) };
  }

  DeleteDiskSnapshot(ctx: RequestContext, input: L.DeleteDiskSnapshotInput): L.DeleteDiskSnapshotOutput {
    const r = this.diskSnap(ctx, input.diskSnapshotName);
    this.shared.db.delete(ctx, "DiskSnapshot", r.name);
    rmSync(r.body.sk.dir, { recursive: true, force: true });
    return { operations: [this.shared.operation(ctx, r.name, "DiskSnapshot", "DeleteDiskSnapshot")] };
  }

  CreateDiskFromSnapshot(ctx: RequestContext, input: L.CreateDiskFromSnapshotInput): L.CreateDiskFromSnapshotOutput {
    const name = checkName(input.diskName, "diskName");
    const storage = this.shared.group(StorageOps);
    let dir: string;
    if (input.sourceDiskName !== undefined || input.diskSnapshotName === undefined) {
      if (input.diskSnapshotName !== undefined) throw invalidInput("diskSnapshotName and sourceDiskName are mutually exclusive");
      dir = this.autoSource(ctx, "Disk", input.sourceDiskName, input.restoreDate, input.useLatestRestorableAutoSnapshot, "sourceDiskName").body.sk.dir!;
    } else {
      if (input.restoreDate !== undefined || input.useLatestRestorableAutoSnapshot !== undefined) throw invalidInput("restoreDate and useLatestRestorableAutoSnapshot are only for automatic snapshots: give sourceDiskName");
      dir = this.diskSnap(ctx, input.diskSnapshotName).body.sk.dir;
    }
    storage.newDisk(ctx, name, input.availabilityZone, input.sizeInGb, this.shared.tagsIn(input.tags), (d) => copyTree(dir, d));
    return { operations: [this.shared.operation(ctx, name, "Disk", "CreateDiskFromSnapshot", { availabilityZone: input.availabilityZone })] };
  }

  EnableAddOn(ctx: RequestContext, input: L.EnableAddOnInput): L.EnableAddOnOutput {
    return this.setAddOn(ctx, input.resourceName, input.addOnRequest?.addOnType, "Enabled", input.addOnRequest?.autoSnapshotAddOnRequest?.snapshotTimeOfDay);
  }

  DisableAddOn(ctx: RequestContext, input: L.DisableAddOnInput): L.DisableAddOnOutput {
    return this.setAddOn(ctx, input.resourceName, input.addOnType, "Disabled");
  }

  private setAddOn(ctx: RequestContext, resourceName: unknown, type: unknown, status: string, time?: string): { operations: L.OperationsItem[] } {
    const name = checkName(resourceName, "resourceName");
    if (type !== "AutoSnapshot") throw invalidInput(`The add-on type ${String(type).slice(0, 64)} is not supported; AutoSnapshot is`);
    if (time !== undefined && !/^([01]\d|2[0-3]):00$/.test(time)) throw invalidInput("snapshotTimeOfDay must be HH:00 in UTC");
    const row = this.autoResource(ctx, name);
    const addOn = this.auto.configure(row as never, status === "Enabled", time);
    const others = (row.body.addOns ?? []).filter((a) => a.name !== "AutoSnapshot");
    row.body.addOns = [...others, addOn];
    this.shared.db.put(row);
    return { operations: [this.shared.operation(ctx, name, row.type, status === "Enabled" ? "EnableAddOn" : "DisableAddOn")] };
  }

  // ------------------------------------------------------------------ automatic snapshots

  /** The instance or disk an automatic-snapshot call names. */
  private autoResource(ctx: RequestContext, name: string): ResourceRow<InstanceBody | DiskBody> {
    const row = this.shared.db.get<InstanceBody | DiskBody>(ctx, "Instance", name) ?? this.shared.db.get<InstanceBody | DiskBody>(ctx, "Disk", name);
    if (!row) throw notFound(`The resource does not exist: ${name}`);
    return row;
  }

  GetAutoSnapshots(ctx: RequestContext, input: L.GetAutoSnapshotsInput): L.GetAutoSnapshotsOutput {
    const row = this.autoResource(ctx, checkName(input.resourceName, "resourceName"));
    return {
      resourceName: row.name,
      resourceType: row.type,
      autoSnapshots: this.auto.list(row).reverse().map((r) => ({ date: r.body.date, createdAt: new Date(r.created), status: r.body.status, fromAttachedDisks: [] })),
    };
  }

  DeleteAutoSnapshot(ctx: RequestContext, input: L.DeleteAutoSnapshotInput): L.DeleteAutoSnapshotOutput {
    const row = this.autoResource(ctx, checkName(input.resourceName, "resourceName"));
    if (typeof input.date !== "string" || !DATE_RE.test(input.date)) throw invalidInput("date must be in YYYY-MM-DD format");
    const snap = this.auto.get(row, input.date);
    if (!snap) throw notFound(`The automatic snapshot of ${row.name} for ${input.date} does not exist`);
    this.auto.delete(snap);
    return { operations: [this.shared.operation(ctx, row.name, row.type, row.type === "Instance" ? "DeleteInstanceSnapshot" : "DeleteDiskSnapshot", { operationDetails: input.date })] };
  }

  /** The automatic snapshot a restore names: the source resource plus restoreDate or the latest one. */
  private autoSource(ctx: RequestContext, type: "Instance" | "Disk", source: unknown, restoreDate: unknown, latest: unknown, field: string): ResourceRow<AutoSnapBody> {
    const name = checkName(source, field);
    if (restoreDate !== undefined && latest !== undefined) throw invalidInput("restoreDate and useLatestRestorableAutoSnapshot are mutually exclusive");
    if (restoreDate === undefined && latest !== true) throw invalidInput(`With ${field}, give restoreDate or useLatestRestorableAutoSnapshot`);
    if (restoreDate !== undefined && (typeof restoreDate !== "string" || !DATE_RE.test(restoreDate))) throw invalidInput("restoreDate must be in YYYY-MM-DD format");
    const row = this.shared.db.get(ctx, type, name);
    if (!row) throw notFound(`The ${type} does not exist: ${name}`);
    const ok = this.auto.list(row).filter((r) => r.body.status === "Success");
    const snap = restoreDate !== undefined ? ok.find((r) => r.body.date === restoreDate) : ok[ok.length - 1];
    if (!snap) throw notFound(restoreDate !== undefined ? `The automatic snapshot of ${name} for ${String(restoreDate)} does not exist` : `The ${type} ${name} has no automatic snapshot to restore`);
    return snap;
  }

  /** A manual snapshot, or an automatic one seen through the same fields (for CreateInstancesFromSnapshot). */
  private instanceSource(ctx: RequestContext, input: L.CreateInstancesFromSnapshotInput): { name: string; body: { sizeInGb?: number; fromBlueprintId?: string; sk: { dir: string; copyMode: boolean } } } {
    if (input.sourceInstanceName !== undefined || input.instanceSnapshotName === undefined) {
      if (input.instanceSnapshotName !== undefined) throw invalidInput("instanceSnapshotName and sourceInstanceName are mutually exclusive");
      const a = this.autoSource(ctx, "Instance", input.sourceInstanceName, input.restoreDate, input.useLatestRestorableAutoSnapshot, "sourceInstanceName");
      const bundle = bundleById(a.body.sk.bundleId ?? "");
      return { name: `${a.body.resourceName} (${a.body.date})`, body: { sizeInGb: bundle?.diskSizeInGb, fromBlueprintId: a.body.sk.blueprintId, sk: { dir: a.body.sk.dir!, copyMode: a.body.sk.copyMode ?? false } } };
    }
    if (input.restoreDate !== undefined || input.useLatestRestorableAutoSnapshot !== undefined) throw invalidInput("restoreDate and useLatestRestorableAutoSnapshot are only for automatic snapshots: give sourceInstanceName");
    return this.snap(ctx, input.instanceSnapshotName);
  }

  /** CopySnapshot: a manual snapshot (instance or disk) or an automatic one becomes a new manual snapshot here. */
  CopySnapshot(ctx: RequestContext, input: L.CopySnapshotInput): L.CopySnapshotOutput {
    const target = checkName(input.targetSnapshotName, "targetSnapshotName");
    if (typeof input.sourceRegion !== "string" || !REGIONS.some(([r]) => r === input.sourceRegion)) throw invalidInput(`The source region ${String(input.sourceRegion).slice(0, 64)} is not a Lightsail region`);
    const from = { accountId: ctx.accountId, region: input.sourceRegion };
    const id = this.env.ids.uuid();
    const dst = this.dir(id);
    const now = this.env.clock.now();
    const taken = (type: string) => {
      if (this.shared.db.get(ctx, type, target)) throw invalidInput(`The ${type} ${target} already exists.`);
    };
    let type: "InstanceSnapshot" | "DiskSnapshot";
    let body: SnapBody | DiskSnapBody;
    if (input.sourceSnapshotName !== undefined) {
      if (input.sourceResourceName !== undefined || input.restoreDate !== undefined || input.useLatestRestorableAutoSnapshot !== undefined) {
        throw invalidInput("sourceSnapshotName is for manual snapshots: restoreDate, useLatestRestorableAutoSnapshot and sourceResourceName go with automatic ones");
      }
      const name = checkName(input.sourceSnapshotName, "sourceSnapshotName");
      const src = this.shared.db.get<SnapBody>(from, "InstanceSnapshot", name) ?? this.shared.db.get<DiskSnapBody>(from, "DiskSnapshot", name);
      if (!src) throw notFound(`The snapshot ${name} does not exist in ${input.sourceRegion}`);
      type = src.type as typeof type;
      taken(type);
      copyTree(src.body.sk.dir, dst);
      body = { ...src.body, name: target, sk: { ...src.body.sk, dir: dst } } as SnapBody | DiskSnapBody;
    } else {
      const resource = checkName(input.sourceResourceName, "sourceResourceName");
      const kind = this.shared.db.get(from, "Instance", resource) ? "Instance" : "Disk";
      const auto = this.autoSource(from as RequestContext, kind, resource, input.restoreDate, input.useLatestRestorableAutoSnapshot, "sourceResourceName");
      const source = this.shared.db.get<InstanceBody | DiskBody>(from, kind, resource)!;
      type = kind === "Instance" ? "InstanceSnapshot" : "DiskSnapshot";
      taken(type);
      copyTree(auto.body.sk.dir!, dst);
      const common = { name: target, supportCode: `${ctx.accountId}/snap-${id.replace(/-/g, "").slice(0, 17)}`, location: this.shared.location(ctx), resourceType: type, tags: [], progress: "100%", isFromAutoSnapshot: true };
      if (kind === "Instance") {
        const b = source.body as InstanceBody;
        body = { ...common, arn: "", state: "available", fromAttachedDisks: [], fromInstanceName: source.name, fromInstanceArn: source.arn, fromBlueprintId: auto.body.sk.blueprintId, fromBundleId: auto.body.sk.bundleId, sizeInGb: bundleById(auto.body.sk.bundleId ?? b.bundleId ?? "")?.diskSizeInGb, sk: { dir: dst, copyMode: auto.body.sk.copyMode ?? false } };
      } else {
        body = { ...common, arn: "", state: "completed", fromDiskName: source.name, fromDiskArn: source.arn, sizeInGb: auto.body.sk.sizeInGb, sk: { dir: dst } };
      }
    }
    const arn = `arn:aws:lightsail:${ctx.region}:${ctx.accountId}:${type}/${id}`;
    body.arn = arn;
    body.location = this.shared.location(ctx);
    this.shared.db.put({ account: ctx.accountId, region: ctx.region, type, name: target, arn, created: now, body });
    return { operations: [this.shared.operation(ctx, target, type, type === "InstanceSnapshot" ? "CreateInstanceSnapshot" : "CreateDiskSnapshot", { operationDetails: "CopySnapshot" })] };
  }
}
