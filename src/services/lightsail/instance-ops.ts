/**
 * Instances: CreateInstances, GetInstance(s), GetInstanceState, Start/Stop/Reboot/DeleteInstance (the
 * transitions run in the background: pending → running, stopping → stopped), public ports (Open/Put/Close,
 * GetInstancePortStates — forwarded by instances/ports.ts), GetInstanceAccessDetails.
 * Each instance gets a public address 127.x.y.z of its own and a private 172.26.x.y (instances/machine.ts).
 *
 * Differences: the `rebooting` state is not shown (a reboot is a stop and a start while the state reads
 * running); user data is at most 16 KB (AWS's EC2 limit).
 */
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { blueprintById, bundleById } from "./catalogue.js";
import { DEFAULT_KEY_PAIR, defaultKeyPair } from "./keypair-ops.js";
import { InstanceRuntime, type InstanceBody, type InstanceRow } from "./instances/runtime.js";
import { checkName, invalidInput, notFound, STATE_CODES, zonesOf, type LightsailShared } from "./shared.js";

const TYPE = "Instance";
const MAX_USER_DATA = 16 * 1024;
const MAX_INSTANCES_PER_CALL = 20;
const PROTOCOLS = ["tcp", "udp", "all", "icmp", "icmpv6"];

/** AWS's default firewall of a new Linux instance: SSH and HTTP from anywhere. */
const DEFAULT_PORTS = [22, 80];

export function portEntry(p: { fromPort: number; toPort: number; protocol: string; cidrs?: string[]; ipv6Cidrs?: string[]; cidrListAliases?: string[] }) {
  const cidrs = p.cidrs ?? ["0.0.0.0/0"];
  return {
    fromPort: p.fromPort, toPort: p.toPort, protocol: p.protocol,
    accessFrom: cidrs.length === 1 && cidrs[0] === "0.0.0.0/0" ? "Anywhere (0.0.0.0/0 and ::/0)" : "Custom",
    accessType: "public", commonName: "", accessDirection: "inbound", cidrs, ipv6Cidrs: p.ipv6Cidrs ?? (p.cidrs ? [] : ["::/0"]), cidrListAliases: p.cidrListAliases ?? [],
  };
}

/** A random address of `prefix` not yet in `used`. */
export function freeAddress(used: Set<string>, make: () => string): string {
  for (let i = 0; i < 1000; i++) {
    const a = make();
    if (!used.has(a)) return a;
  }
  throw invalidInput("No free address is left");
}
const rnd = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
/** 127.a.b.c with a ≥ 100: clear of 127.0.0.1 and the low addresses other tools use. */
export const randomPublicIp = () => `127.${rnd(100, 254)}.${rnd(0, 255)}.${rnd(2, 254)}`;

export class InstanceOps {
  readonly runtime: InstanceRuntime;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    this.runtime = new InstanceRuntime(env, shared);
    shared.instances = this.runtime;
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
  reset(): Promise<void> {
    return this.runtime.reset();
  }
  health(): Record<string, unknown> {
    return this.runtime.health();
  }

  /** Every address in use by instances and static IPs (all accounts: they share the host's loopback). */
  usedAddresses(): Set<string> {
    return this.shared.usedAddresses();
  }

  view(r: InstanceRow): L.Instance {
    const { sk: _sk, ...b } = r.body;
    return { ...b, createdAt: new Date(r.created) };
  }

  require(ctx: Pick<RequestContext, "accountId" | "region">, name: unknown): InstanceRow {
    const n = checkName(name, "instanceName");
    const r = this.shared.db.get<InstanceBody>(ctx, TYPE, n);
    if (!r) throw notFound(`The Instance does not exist: ${n}`);
    return r;
  }

  /** Creates the row of a new instance and queues its first boot; returns its operation. */
  async createOne(
    ctx: RequestContext,
    name: string,
    opts: { zone: string; blueprintId: string; bundleId: string; userData?: string; keyPairName?: string; tags: L.TagsShape; addOns?: L.AddOnsShape; ipAddressType?: string },
    prepare?: (id: string) => Promise<void>,
  ): Promise<L.OperationsItem> {
    const bp = blueprintById(opts.blueprintId)!;
    const bundle = bundleById(opts.bundleId)!;
    const used = this.usedAddresses();
    const publicIp = freeAddress(used, randomPublicIp);
    let block = 0;
    const privateIp = freeAddress(used, () => {
      block = rnd(1, 16382);
      return `172.26.${block >> 6}.${((block & 63) << 2) + 2}`;
    });
    const hostIp = privateIp.replace(/\.(\d+)$/, (_m, d: string) => `.${Number(d) - 1}`);
    const id = this.env.ids.uuid();
    const arn = `arn:aws:lightsail:${ctx.region}:${ctx.accountId}:${TYPE}/${id}`;
    const body: InstanceBody = {
      name, arn, supportCode: `${ctx.accountId}/i-${id.replace(/-/g, "").slice(0, 17)}`, location: { availabilityZone: opts.zone, regionName: ctx.region },
      resourceType: TYPE, tags: opts.tags, blueprintId: bp.blueprintId, blueprintName: bp.name, bundleId: bundle.bundleId,
      addOns: (opts.addOns ?? []).filter((a) => a.addOnType === "AutoSnapshot").map((a) => ({ name: "AutoSnapshot", status: "Enabled", snapshotTimeOfDay: a.autoSnapshotAddOnRequest?.snapshotTimeOfDay ?? "06:00" })),
      isStaticIp: false, privateIpAddress: privateIp, publicIpAddress: opts.ipAddressType === "ipv6" ? undefined : publicIp, ipv6Addresses: [],
      ipAddressType: opts.ipAddressType ?? "dualstack",
      hardware: { cpuCount: bundle.cpuCount, ramSizeInGb: bundle.ramSizeInGb, disks: [{ name: `${name}-system-disk`, sizeInGb: bundle.diskSizeInGb, isSystemDisk: true, path: "/dev/xvda", attachedTo: name, attachmentState: "attached", iops: 100 }] },
      networking: { monthlyTransfer: { gbPerMonthAllocated: bundle.transferPerMonthInGb }, ports: DEFAULT_PORTS.map((p) => portEntry({ fromPort: p, toPort: p, protocol: "tcp" })) },
      state: { code: STATE_CODES.pending, name: "pending" },
      username: bp.username, sshKeyName: opts.keyPairName ?? DEFAULT_KEY_PAIR,
      metadataOptions: { state: "applied", httpTokens: "optional", httpEndpoint: "enabled", httpPutResponseHopLimit: 1, httpProtocolIpv6: "disabled" },
      sk: { id, userData: opts.userData, hostIp, desired: "running", intervals: [] },
    };
    if (body.publicIpAddress === undefined) body.publicIpAddress = publicIp; // IPv6-only bundles still get a loopback address to be reached at
    const row: InstanceRow = { account: ctx.accountId, region: ctx.region, type: TYPE, name, arn, created: this.env.clock.now(), body };
    this.shared.db.put(row);
    const op = this.shared.operation(ctx, name, TYPE, "CreateInstance", { availabilityZone: opts.zone });
    void (async () => {
      try {
        await prepare?.(id);
      } catch (e) {
        this.env.log.warn(`lightsail: instance ${name} could not be prepared: ${(e as Error).message}`);
        return;
      }
      await this.runtime.schedule(row, "start");
    })();
    return op;
  }

  /** Checks what CreateInstances and CreateInstancesFromSnapshot share; returns the instance names. */
  async checkCreate(ctx: RequestContext, input: { instanceNames: unknown; availabilityZone: unknown; bundleId: unknown; userData?: unknown; keyPairName?: unknown; ipAddressType?: unknown }): Promise<string[]> {
    if (!Array.isArray(input.instanceNames) || input.instanceNames.length < 1 || input.instanceNames.length > MAX_INSTANCES_PER_CALL) {
      throw invalidInput(`instanceNames must list 1 to ${MAX_INSTANCES_PER_CALL} names`);
    }
    const names = input.instanceNames.map((n) => checkName(n, "instanceName"));
    if (new Set(names).size !== names.length) throw invalidInput("instanceNames must be unique");
    for (const n of names) if (this.shared.db.get(ctx, TYPE, n)) throw invalidInput(`Some names are already in use: ${n}`);
    if (typeof input.availabilityZone !== "string" || !zonesOf(ctx.region).includes(input.availabilityZone)) {
      throw invalidInput(`The availability zone ${String(input.availabilityZone).slice(0, 64)} is not valid in region ${ctx.region}`);
    }
    if (typeof input.bundleId !== "string" || !bundleById(input.bundleId)) throw invalidInput(`The bundle ID ${String(input.bundleId).slice(0, 64)} is invalid.`);
    if (input.userData !== undefined && (typeof input.userData !== "string" || input.userData.length > MAX_USER_DATA)) throw invalidInput(`userData must be at most ${MAX_USER_DATA} characters`);
    if (input.ipAddressType !== undefined && !["dualstack", "ipv4", "ipv6"].includes(input.ipAddressType as string)) throw invalidInput("ipAddressType must be dualstack, ipv4 or ipv6");
    if (input.keyPairName !== undefined) {
      const k = checkName(input.keyPairName, "keyPairName");
      if (k === DEFAULT_KEY_PAIR) await defaultKeyPair(this.shared, ctx);
      else if (!this.shared.db.get(ctx, "KeyPair", k)) throw notFound(`The KeyPair does not exist: ${k}`);
    } else {
      await defaultKeyPair(this.shared, ctx);
    }
    return names;
  }

  async CreateInstances(ctx: RequestContext, input: L.CreateInstancesInput): Promise<L.CreateInstancesOutput> {
    const names = await this.checkCreate(ctx, input);
    const bp = typeof input.blueprintId === "string" ? blueprintById(input.blueprintId) : undefined;
    if (!bp) throw invalidInput(`The blueprint ID ${String(input.blueprintId).slice(0, 64)} is invalid.`);
    if (input.customImageName !== undefined) throw invalidInput("customImageName is not supported");
    const tags = this.shared.tagsIn(input.tags);
    const operations: L.OperationsItem[] = [];
    for (const name of names) {
      operations.push(await this.createOne(ctx, name, { zone: input.availabilityZone, blueprintId: bp.blueprintId!, bundleId: input.bundleId, userData: input.userData, keyPairName: input.keyPairName, tags, addOns: input.addOns, ipAddressType: input.ipAddressType }));
    }
    return { operations };
  }

  GetInstance(ctx: RequestContext, input: L.GetInstanceInput): L.GetInstanceOutput {
    return { instance: this.view(this.require(ctx, input.instanceName)) };
  }

  GetInstances(ctx: RequestContext): L.GetInstancesOutput {
    return { instances: this.shared.db.list<InstanceBody>(ctx, TYPE).map((r) => this.view(r)) };
  }

  GetInstanceState(ctx: RequestContext, input: L.GetInstanceStateInput): L.GetInstanceStateOutput {
    return { state: this.require(ctx, input.instanceName).body.state };
  }

  StartInstance(ctx: RequestContext, input: L.StartInstanceInput): L.StartInstanceOutput {
    const r = this.require(ctx, input.instanceName);
    if (r.body.state?.name === "stopping") throw invalidInput(`You can't start an instance that is stopping. The instance ${r.name} is stopping.`);
    this.runtime.update(ctx, r.name, (b) => {
      b.sk.desired = "running";
      if (b.state?.name === "stopped") b.state = { code: STATE_CODES.pending, name: "pending" };
    });
    void this.runtime.schedule(r, "start");
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "StartInstance", { availabilityZone: r.body.location?.availabilityZone })] };
  }

  StopInstance(ctx: RequestContext, input: L.StopInstanceInput): L.StopInstanceOutput {
    const r = this.require(ctx, input.instanceName);
    if (r.body.state?.name === "pending" && !this.runtime.machines.has(r.arn) && r.body.sk.desired === "stopped") throw invalidInput(`The instance ${r.name} is not running.`);
    this.runtime.update(ctx, r.name, (b) => {
      b.sk.desired = "stopped";
      if (b.state?.name === "running") b.state = { code: STATE_CODES.stopping, name: "stopping" };
    });
    void this.runtime.schedule(r, "stop");
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "StopInstance", { availabilityZone: r.body.location?.availabilityZone })] };
  }

  RebootInstance(ctx: RequestContext, input: L.RebootInstanceInput): L.RebootInstanceOutput {
    const r = this.require(ctx, input.instanceName);
    if (r.body.state?.name !== "running") throw invalidInput(`You can only reboot a running instance. The instance ${r.name} is ${r.body.state?.name}.`);
    void this.runtime.schedule(r, "reboot");
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "RebootInstance", { availabilityZone: r.body.location?.availabilityZone })] };
  }

  async DeleteInstance(ctx: RequestContext, input: L.DeleteInstanceInput): Promise<L.DeleteInstanceOutput> {
    const r = this.require(ctx, input.instanceName);
    this.shared.db.delete(ctx, TYPE, r.name);
    // Static IPs and disks let go of the instance (AWS detaches them).
    for (const s of this.shared.db.list<L.StaticIp>(ctx, "StaticIp")) {
      if (s.body.attachedTo === r.name) this.shared.db.put({ ...s, body: { ...s.body, attachedTo: undefined, isAttached: false } });
    }
    for (const d of this.shared.db.list<L.Disk>(ctx, "Disk")) {
      if (d.body.attachedTo === r.name) this.shared.db.put({ ...d, body: { ...d.body, attachedTo: undefined, isAttached: false, attachmentState: "detached", path: undefined, state: "available" } });
    }
    const op = this.shared.operation(ctx, r.name, TYPE, "DeleteInstance", { availabilityZone: r.body.location?.availabilityZone });
    await this.runtime.destroy(r);
    return { operations: [op] };
  }

  // ------------------------------------------------------------------ ports

  private checkPort(p: unknown): { fromPort: number; toPort: number; protocol: string; cidrs?: string[]; ipv6Cidrs?: string[]; cidrListAliases?: string[] } {
    const x = p as L.PortInfo;
    if (!x || typeof x !== "object") throw invalidInput("portInfo is required");
    const { fromPort, toPort, protocol } = x;
    if (!Number.isInteger(fromPort) || !Number.isInteger(toPort) || fromPort! < -1 || toPort! > 65535 || fromPort! > toPort!) throw invalidInput("fromPort and toPort must be ports from 0 to 65535, fromPort ≤ toPort");
    if (typeof protocol !== "string" || !PROTOCOLS.includes(protocol)) throw invalidInput(`protocol must be one of ${PROTOCOLS.join(", ")}`);
    for (const c of x.cidrs ?? []) if (!/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(c)) throw invalidInput(`The CIDR ${String(c).slice(0, 64)} is not valid`);
    if ((x.cidrs?.length ?? 0) > 100) throw invalidInput("At most 100 CIDRs per rule");
    return { fromPort: fromPort!, toPort: toPort!, protocol, cidrs: x.cidrs, ipv6Cidrs: x.ipv6Cidrs, cidrListAliases: x.cidrListAliases };
  }

  private async setPorts(ctx: RequestContext, name: string, fn: (ports: ReturnType<typeof portEntry>[]) => ReturnType<typeof portEntry>[]): Promise<void> {
    const row = this.runtime.update(ctx, name, (b) => {
      b.networking!.ports = fn((b.networking?.ports ?? []) as ReturnType<typeof portEntry>[]);
    });
    if (row) await this.runtime.applyPorts(row);
  }

  async OpenInstancePublicPorts(ctx: RequestContext, input: L.OpenInstancePublicPortsInput): Promise<L.OpenInstancePublicPortsOutput> {
    const r = this.require(ctx, input.instanceName);
    const p = this.checkPort(input.portInfo);
    await this.setPorts(ctx, r.name, (ports) => [...ports.filter((x) => !(x.fromPort === p.fromPort && x.toPort === p.toPort && x.protocol === p.protocol)), portEntry(p)]);
    return { operation: this.shared.operation(ctx, r.name, TYPE, "OpenInstancePublicPorts", { availabilityZone: r.body.location?.availabilityZone, operationDetails: r.name }) };
  }

  async PutInstancePublicPorts(ctx: RequestContext, input: L.PutInstancePublicPortsInput): Promise<L.PutInstancePublicPortsOutput> {
    const r = this.require(ctx, input.instanceName);
    if (!Array.isArray(input.portInfos) || input.portInfos.length > 100) throw invalidInput("portInfos must list at most 100 rules");
    const rules = input.portInfos.map((p) => portEntry(this.checkPort(p)));
    await this.setPorts(ctx, r.name, () => rules);
    return { operation: this.shared.operation(ctx, r.name, TYPE, "PutInstancePublicPorts", { availabilityZone: r.body.location?.availabilityZone, operationDetails: r.name }) };
  }

  async CloseInstancePublicPorts(ctx: RequestContext, input: L.CloseInstancePublicPortsInput): Promise<L.CloseInstancePublicPortsOutput> {
    const r = this.require(ctx, input.instanceName);
    const p = this.checkPort(input.portInfo);
    await this.setPorts(ctx, r.name, (ports) => ports.filter((x) => !(x.fromPort === p.fromPort && x.toPort === p.toPort && x.protocol === p.protocol)));
    return { operation: this.shared.operation(ctx, r.name, TYPE, "CloseInstancePublicPorts", { availabilityZone: r.body.location?.availabilityZone, operationDetails: r.name }) };
  }

  GetInstancePortStates(ctx: RequestContext, input: L.GetInstancePortStatesInput): L.GetInstancePortStatesOutput {
    const r = this.require(ctx, input.instanceName);
    return {
      portStates: (r.body.networking?.ports ?? []).map((p) => ({ fromPort: p.fromPort, toPort: p.toPort, protocol: p.protocol, state: "open", cidrs: p.cidrs, ipv6Cidrs: p.ipv6Cidrs, cidrListAliases: p.cidrListAliases })),
    };
  }

  // ------------------------------------------------------------------ access

  GetInstanceAccessDetails(ctx: RequestContext, input: L.GetInstanceAccessDetailsInput): L.GetInstanceAccessDetailsOutput {
    const r = this.require(ctx, input.instanceName);
    if (input.protocol !== undefined && input.protocol !== "ssh") throw invalidInput("Only the ssh protocol is available for Linux/Unix instances");
    const hostKeys = this.shared.hostKeys?.(ctx.accountId, ctx.region, r.name) ?? [];
    // Temporary credentials as Lightsail gives them: a fresh key and a certificate the instance's SSH server trusts.
    const temp = this.shared.sshCredentials?.(r.arn, r.body.username!);
    return {
      accessDetails: {
        certKey: temp?.certKey ?? "",
        expiresAt: temp?.expiresAt ?? new Date(this.env.clock.now()),
        ipAddress: r.body.publicIpAddress,
        ipv6Addresses: [],
        password: "",
        privateKey: temp?.privateKey ?? "",
        protocol: "ssh",
        instanceName: r.name,
        username: r.body.username,
        hostKeys,
      },
    };
  }
}
