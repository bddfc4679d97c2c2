/**
 * Lightsail (json 1.1, Lightsail_20161128): composed of OPERATION GROUPS — each a class constructed with
 * (env, shared) whose PascalCase methods are Lightsail operations (see shared.ts for the store, ARNs,
 * operation records, tags and errors every group uses). The provider binds every group's operations onto
 * one object; close/reset/health call each group's.
 *
 * Covered: the catalogue (GetBlueprints, GetBundles, GetRegions), key pairs, instances that really run
 * (a bubblewrap sandbox per instance from its blueprint's image, own overlay root, pid/net/uts namespaces,
 * veth with a real private IP; instances/), public ports forwarded from a 127.x address, SSH into instances
 * (ssh-ops.ts: an embedded SSH server per instance address, sessions inside the instance as its login user),
 * static IPs, disks, instance and disk snapshots, GetCostEstimate, GetInstanceMetricData, tags and operations
 * — see each *-ops.ts header; DNS, databases and alarms are the ls-engines groups.
 *
 * Load balancers (lb-ops.ts) proxy HTTP to their healthy instances from an address of their own.
 *
 * Known gaps against AWS: load balancer TLS certificates, buckets, container services, distributions, certificates,
 * contact methods outside the alarm group, and other families not bound by GROUPS answer
 * NotImplementedException; no rebooting state; UDP ports are stored, not forwarded; instances have no
 * internet access (no NAT); snapshots (manual and automatic) do not include attached disks. Instances need
 * root, bubblewrap and overlayfs (else a full copy of the image).
 * SSH: `sudo` cannot raise privileges in a session (no_new_privs); no port/agent forwarding or SFTP; the
 * temporary access key is ed25519 (an OpenSSH certificate from Skyport's CA), not RSA.
 * Deliberate difference: a disk attached to or detached from a running instance reboots it (the bind mount
 * is made at boot); the user does not mount it.
 */
import type { ServiceEnv } from "../host.js";
import { LightsailShared, type OperationGroup, type OperationGroupClass } from "./shared.js";
import { CatalogueOps } from "./catalogue-ops.js";
import { KeyPairOps } from "./keypair-ops.js";
import { InstanceOps } from "./instance-ops.js";
import { SshOps } from "./ssh-ops.js";
import { ResourceOps } from "./resource-ops.js";
import { CostOps } from "./cost-ops.js";
import { StorageOps } from "./storage-ops.js";
import { SnapshotOps } from "./snapshot-ops.js";
import { DomainOps } from "./domain-ops.js";
import { DatabaseOps } from "./database-ops.js";
import { AlarmOps } from "./alarm-ops.js";
import { LoadBalancerOps } from "./lb-ops.js";

/**
 * The operation groups, in binding order (a later group's operation of the same name wins — keep names
 * unique). Groups owned by the ls-engines helper go in the marked block below.
 */
const GROUPS: OperationGroupClass[] = [
  CatalogueOps,
  KeyPairOps,
  InstanceOps,
  SshOps,
  ResourceOps,
  CostOps,
  StorageOps,
  SnapshotOps,
  LoadBalancerOps,
  // ---- ls-engines groups (DomainOps, DatabaseOps, AlarmOps, ...) go here ----
  DomainOps,
  DatabaseOps,
  AlarmOps,
  // ---- end of ls-engines groups ----
];

export class LightsailProvider {
  readonly shared: LightsailShared;
  readonly groups: OperationGroup[];

  constructor(env: ServiceEnv, groups: OperationGroupClass[] = GROUPS) {
    this.shared = new LightsailShared(env);
    this.groups = groups.map((G) => new G(env, this.shared) as OperationGroup);
    for (const g of this.groups) this.shared.register(g);
    const self = this as unknown as Record<string, unknown>;
    for (const g of this.groups) {
      for (const name of operationNames(g)) self[name] = (g as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!.bind(g);
    }
  }

  async close(): Promise<void> {
    for (const g of this.groups) await g.close?.();
  }

  async reset(): Promise<void> {
    for (const g of this.groups) await g.reset?.();
  }

  health(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const g of this.groups) Object.assign(out, g.health?.());
    return out;
  }
}

/** The PascalCase methods of a group (own prototype chain, not Object's). */
function operationNames(g: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(g); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (/^[A-Z]/.test(n) && typeof (p as Record<string, unknown>)[n] === "function") names.add(n);
  }
  return [...names];
}

export const createProvider = (env: ServiceEnv) => new LightsailProvider(env);
