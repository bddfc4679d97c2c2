/**
 * Static IPs and disks.
 *
 * A static IP is another 127.x.y.z address: attached, it becomes the instance's publicIpAddress (the port
 * forwarder moves to it); detached, the instance gets a new dynamic address, as on AWS.
 * A disk is a real directory (<data dir>/lightsail/disks/<id>) bind-mounted in the instance at the diskPath
 * given to AttachDisk. Mounts are made at boot: attaching to (or detaching from) a running instance reboots
 * it so the change takes effect at once. Disks are directories, so sizeInGb is recorded, not enforced.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { freeAddress, randomPublicIp } from "./instance-ops.js";
import { InstanceRuntime, type InstanceBody, type InstanceRow } from "./instances/runtime.js";
import { checkName, invalidInput, notFound, zonesOf, type LightsailShared, type ResourceRow } from "./shared.js";

export type DiskBody = L.Disk & { sk: { id: string; dir: string } };

export class StorageOps {
  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {}

  private usedAddresses(): Set<string> {
    return this.shared.usedAddresses();
  }

  private instance(ctx: RequestContext, name: unknown): InstanceRow {
    const n = checkName(name, "instanceName");
    const r = this.shared.db.get<InstanceBody>(ctx, "Instance", n);
    if (!r) throw notFound(`The Instance does not exist: ${n}`);
    return r;
  }

  private staticIp(ctx: RequestContext, name: unknown): ResourceRow<L.StaticIp> {
    const n = checkName(name, "staticIpName");
    const r = this.shared.db.get<L.StaticIp>(ctx, "StaticIp", n);
    if (!r) throw notFound(`The StaticIp does not exist: ${n}`);
    return r;
  }

  /** Moves an instance to a new public address (forwarded ports follow). */
  private async readdress(row: InstanceRow, ip: string, isStatic: boolean): Promise<void> {
    this.shared.instances.forwarder.closeAll(row.body.publicIpAddress!);
    const updated = this.shared.instances.update(InstanceRuntime.where(row), row.name, (b) => {
      b.publicIpAddress = ip;
      b.isStaticIp = isStatic;
    });
    if (updated) await this.shared.instances.applyPorts(updated);
  }

  AllocateStaticIp(ctx: RequestContext, input: L.AllocateStaticIpInput): L.AllocateStaticIpOutput {
    const name = checkName(input.staticIpName, "staticIpName");
    if (this.shared.db.get(ctx, "StaticIp", name)) throw invalidInput(`The StaticIp ${name} already exists.`);
    const arn = this.shared.arn(ctx, "StaticIp");
    const body: L.StaticIp = { name, arn, supportCode: `${ctx.accountId}/${name}`, location: this.shared.location(ctx, `${ctx.region}a`), resourceType: "StaticIp", ipAddress: freeAddress(this.usedAddresses(), randomPublicIp), isAttached: false };
    this.shared.db.put({ account: ctx.accountId, region: ctx.region, type: "StaticIp", name, arn, created: this.env.clock.now(), body });
    return { operations: [this.shared.operation(ctx, name, "StaticIp", "AllocateStaticIp")] };
  }

  async AttachStaticIp(ctx: RequestContext, input: L.AttachStaticIpInput): Promise<L.AttachStaticIpOutput> {
    const ip = this.staticIp(ctx, input.staticIpName);
    const inst = this.instance(ctx, input.instanceName);
    if (ip.body.isAttached && ip.body.attachedTo !== inst.name) throw invalidInput(`The StaticIp ${ip.name} is already attached to ${ip.body.attachedTo}.`);
    if (inst.body.isStaticIp && inst.body.publicIpAddress !== ip.body.ipAddress) throw invalidInput(`The Instance ${inst.name} already has a static IP.`);
    this.shared.db.put({ ...ip, body: { ...ip.body, attachedTo: inst.name, isAttached: true } });
    await this.readdress(inst, ip.body.ipAddress!, true);
    return { operations: [this.shared.operation(ctx, ip.name, "StaticIp", "AttachStaticIp"), this.shared.operation(ctx, inst.name, "Instance", "AttachStaticIp")] };
  }

  async DetachStaticIp(ctx: RequestContext, input: L.DetachStaticIpInput): Promise<L.DetachStaticIpOutput> {
    const ip = this.staticIp(ctx, input.staticIpName);
    if (!ip.body.isAttached) throw invalidInput(`The StaticIp ${ip.name} is not attached.`);
    await this.detachIp(ctx, ip);
    return { operations: [this.shared.operation(ctx, ip.name, "StaticIp", "DetachStaticIp")] };
  }

  private async detachIp(ctx: RequestContext, ip: ResourceRow<L.StaticIp>): Promise<void> {
    const inst = ip.body.attachedTo ? this.shared.db.get<InstanceBody>(ctx, "Instance", ip.body.attachedTo) : undefined;
    this.shared.db.put({ ...ip, body: { ...ip.body, attachedTo: undefined, isAttached: false } });
    if (inst) await this.readdress(inst, freeAddress(this.usedAddresses(), randomPublicIp), false);
  }

  async ReleaseStaticIp(ctx: RequestContext, input: L.ReleaseStaticIpInput): Promise<L.ReleaseStaticIpOutput> {
    const ip = this.staticIp(ctx, input.staticIpName);
    if (ip.body.isAttached) await this.detachIp(ctx, ip);
    this.shared.db.delete(ctx, "StaticIp", ip.name);
    return { operations: [this.shared.operation(ctx, ip.name, "StaticIp", "ReleaseStaticIp")] };
  }

  GetStaticIp(ctx: RequestContext, input: L.GetStaticIpInput): L.GetStaticIpOutput {
    const r = this.staticIp(ctx, input.staticIpName);
    return { staticIp: { ...r.body, createdAt: new Date(r.created) } };
  }

  GetStaticIps(ctx: RequestContext): L.GetStaticIpsOutput {
    return { staticIps: this.shared.db.list<L.StaticIp>(ctx, "StaticIp").map((r) => ({ ...r.body, createdAt: new Date(r.created) })) };
  }

  // ------------------------------------------------------------------ disks

  disk(ctx: RequestContext, name: unknown): ResourceRow<DiskBody> {
    const n = checkName(name, "diskName");
    const r = this.shared.db.get<DiskBody>(ctx, "Disk", n);
    if (!r) throw notFound(`The Disk does not exist: ${n}`);
    return r;
  }

  diskView(r: ResourceRow<DiskBody>): L.Disk {
    const { sk: _sk, ...b } = r.body;
    return { ...b, createdAt: new Date(r.created) };
  }

  /** Creates a disk row and its directory (filled by `fill` when restoring a snapshot). */
  newDisk(ctx: RequestContext, name: string, zone: unknown, sizeInGb: unknown, tags: L.TagsShape, fill?: (dir: string) => void): void {
    if (this.shared.db.get(ctx, "Disk", name)) throw invalidInput(`The Disk ${name} already exists.`);
    if (typeof zone !== "string" || !zonesOf(ctx.region).includes(zone)) throw invalidInput(`The availability zone ${String(zone).slice(0, 64)} is not valid in region ${ctx.region}`);
    if (!Number.isInteger(sizeInGb) || (sizeInGb as number) < 8 || (sizeInGb as number) > 16384) throw invalidInput("sizeInGb must be from 8 to 16384");
    const id = this.env.ids.uuid();
    const dir = join(this.env.config.dataDir, "lightsail", "disks", id);
    mkdirSync(dir, { recursive: true });
    fill?.(dir);
    const arn = `arn:aws:lightsail:${ctx.region}:${ctx.accountId}:Disk/${id}`;
    const body: DiskBody = {
      name, arn, supportCode: `${ctx.accountId}/vol-${id.replace(/-/g, "").slice(0, 17)}`, location: { availabilityZone: zone, regionName: ctx.region }, resourceType: "Disk", tags,
      addOns: [], sizeInGb: sizeInGb as number, isSystemDisk: false, iops: 100, state: "available", isAttached: false, attachmentState: "detached", gbInUse: 0, sk: { id, dir },
    };
    this.shared.db.put({ account: ctx.accountId, region: ctx.region, type: "Disk", name, arn, created: this.env.clock.now(), body });
  }

  CreateDisk(ctx: RequestContext, input: L.CreateDiskInput): L.CreateDiskOutput {
    const name = checkName(input.diskName, "diskName");
    this.newDisk(ctx, name, input.availabilityZone, input.sizeInGb, this.shared.tagsIn(input.tags));
    return { operations: [this.shared.operation(ctx, name, "Disk", "CreateDisk", { availabilityZone: input.availabilityZone })] };
  }

  async AttachDisk(ctx: RequestContext, input: L.AttachDiskInput): Promise<L.AttachDiskOutput> {
    const d = this.disk(ctx, input.diskName);
    const inst = this.instance(ctx, input.instanceName);
    if (d.body.isAttached) throw invalidInput(`The Disk ${d.name} is already attached to ${d.body.attachedTo}.`);
    if (typeof input.diskPath !== "string" || !/^\/[\w\-./]{1,254}$/.test(input.diskPath) || input.diskPath.split("/").includes("..")) throw invalidInput("diskPath must be an absolute path such as /dev/xvdf or /data");
    if (["/", "/proc", "/dev", "/run/skyport", "/sys"].includes(input.diskPath.replace(/\/+$/, "") || "/")) throw invalidInput(`The disk cannot be mounted at ${input.diskPath}`);
    this.shared.db.put({ ...d, body: { ...d.body, attachedTo: inst.name, isAttached: true, attachmentState: "attached", path: input.diskPath, state: "in-use" } });
    if (this.shared.instances.machines.get(inst.arn)?.running) void this.shared.instances.schedule(inst, "reboot");
    return { operations: [this.shared.operation(ctx, d.name, "Disk", "AttachDisk"), this.shared.operation(ctx, inst.name, "Instance", "AttachDisk")] };
  }

  DetachDisk(ctx: RequestContext, input: L.DetachDiskInput): L.DetachDiskOutput {
    const d = this.disk(ctx, input.diskName);
    if (!d.body.isAttached) throw invalidInput(`The Disk ${d.name} is not attached.`);
    const inst = this.shared.db.get<InstanceBody>(ctx, "Instance", d.body.attachedTo!);
    this.shared.db.put({ ...d, body: { ...d.body, attachedTo: undefined, isAttached: false, attachmentState: "detached", path: undefined, state: "available" } });
    if (inst && this.shared.instances.machines.get(inst.arn)?.running) void this.shared.instances.schedule(inst, "reboot");
    return { operations: [this.shared.operation(ctx, d.name, "Disk", "DetachDisk")] };
  }

  DeleteDisk(ctx: RequestContext, input: L.DeleteDiskInput): L.DeleteDiskOutput {
    const d = this.disk(ctx, input.diskName);
    if (d.body.isAttached) throw invalidInput(`The Disk ${d.name} is attached to ${d.body.attachedTo}; detach it first.`);
    this.shared.db.delete(ctx, "Disk", d.name);
    rmSync(d.body.sk.dir, { recursive: true, force: true });
    return { operations: [this.shared.operation(ctx, d.name, "Disk", "DeleteDisk")] };
  }

  GetDisk(ctx: RequestContext, input: L.GetDiskInput): L.GetDiskOutput {
    return { disk: this.diskView(this.disk(ctx, input.diskName)) };
  }

  GetDisks(ctx: RequestContext): L.GetDisksOutput {
    return { disks: this.shared.db.list<DiskBody>(ctx, "Disk").map((r) => this.diskView(r)) };
  }
}
