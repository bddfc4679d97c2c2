/**
 * Lightsail load balancers that really balance: CreateLoadBalancer, GetLoadBalancer(s), DeleteLoadBalancer,
 * AttachInstancesToLoadBalancer, DetachInstancesFromLoadBalancer, UpdateLoadBalancerAttribute. Each balancer
 * is an HTTP proxy on a loopback address of its own, port 80 (lb/balancer.ts), with health checks on the
 * instances' health check path. Its dnsName has AWS's form (…elb.amazonaws.com); Skyport's DNS server
 * (--dns-port) answers it with the balancer's address, and domain entries that alias it (isAlias) resolve
 * to that address too. Balancers are started again at boot.
 *
 * Known gaps: TLS certificates (Create/Attach/Delete/GetLoadBalancerTlsCertificate answer NotImplemented, so
 * no 443 listener and no HTTPS redirection), GetLoadBalancerMetricData, IPv6 listeners (ipAddressType is
 * stored; the balancer listens on IPv4), draining on detach (a detached instance leaves the rotation at once).
 */
import { createHash } from "node:crypto";
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { Balancer, type BalancerSettings, type Target } from "./lb/balancer.js";
import { freeAddress, randomPublicIp } from "./instance-ops.js";
import type { InstanceBody } from "./instances/runtime.js";
import { checkName, invalidInput, notFound, notImplementedYet, type LightsailShared, type ResourceRow } from "./shared.js";

const TYPE = "LoadBalancer";
const PORT = 80;
/** Lightsail's quotas: instances behind one balancer; balancers per region are not limited here below AWS's 5. */
const LbLimits = { MAX_INSTANCES: 10, MAX_PER_REGION: 5, MAX_HEALTH_PATH: 256 } as const;
const ATTRIBUTES = ["HealthCheckPath", "SessionStickinessEnabled", "SessionStickiness_LB_CookieDurationSeconds", "HttpsRedirectionEnabled", "TlsPolicyName"] as const;
const TLS_POLICIES = ["TLS-2016-08", "TLS-FS-Res-1-2-2019-08"];

interface LbInternal {
  address: string;
  instances: string[];
}
type LbBody = L.LoadBalancer & { sk: LbInternal };
type LbRow = ResourceRow<LbBody>;

export class LoadBalancerOps {
  private readonly running = new Map<string, Balancer>();

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    for (const row of shared.db.all<LbBody>(TYPE)) void this.start(row);
  }

  /** Every balancer address in use (address allocation skips them). */
  addresses(): string[] {
    return this.shared.db.all<LbBody>(TYPE).map((r) => r.body.sk.address);
  }

  /** dnsName → address of every balancer, for the DNS server. */
  dnsNames(): Array<{ region: string; dnsName: string; address: string }> {
    return this.shared.db.all<LbBody>(TYPE).map((r) => ({ region: r.region, dnsName: r.body.dnsName!, address: r.body.sk.address }));
  }

  async CreateLoadBalancer(ctx: RequestContext, input: L.CreateLoadBalancerInput): Promise<L.CreateLoadBalancerOutput> {
    const name = checkName(input.loadBalancerName, "loadBalancerName");
    if (this.shared.db.get(ctx, TYPE, name)) throw invalidInput(`The LoadBalancer ${name} already exists.`);
    if (!Number.isInteger(input.instancePort) || input.instancePort < 1 || input.instancePort > 65535) throw invalidInput("instancePort must be an integer from 1 to 65535");
    const healthCheckPath = healthPath(input.healthCheckPath ?? "/");
    if (input.certificateName !== undefined) throw notImplementedYet("Lightsail load balancer TLS certificates");
    if (input.tlsPolicyName !== undefined && !TLS_POLICIES.includes(input.tlsPolicyName)) throw invalidInput(`The TLS security policy ${input.tlsPolicyName} is not valid.`);
    if (this.shared.db.list(ctx, TYPE).length >= LbLimits.MAX_PER_REGION) throw invalidInput(`You have reached the maximum number of load balancers (${LbLimits.MAX_PER_REGION}) in this region.`);
    const arn = this.shared.arn(ctx, TYPE);
    const address = freeAddress(this.shared.usedAddresses(), randomPublicIp);
    const hash = createHash("sha256").update(arn).digest("hex");
    const dnsName = `${hash.slice(0, 32)}-${BigInt(`0x${hash.slice(32, 40)}`) % 10_000_000_000n}.${ctx.region}.elb.amazonaws.com`;
    const body: LbBody = {
      name, arn, supportCode: `${ctx.accountId}/${arn}`, createdAt: this.shared.now(), location: this.shared.location(ctx), resourceType: TYPE,
      tags: this.shared.tagsIn(input.tags), dnsName, state: "provisioning", protocol: "HTTP", publicPorts: [PORT], healthCheckPath,
      instancePort: input.instancePort, instanceHealthSummary: [], tlsCertificateSummaries: [],
      configurationOptions: { SessionStickinessEnabled: "false", SessionStickiness_LB_CookieDurationSeconds: "86400" },
      ipAddressType: input.ipAddressType ?? "dualstack", httpsRedirectionEnabled: false, tlsPolicyName: input.tlsPolicyName ?? "TLS-2016-08",
      sk: { address, instances: [] },
    };
    const row: LbRow = { account: ctx.accountId, region: ctx.region, type: TYPE, name, arn, created: this.env.clock.now(), body };
    this.shared.db.put(row);
    await this.start(row);
    return { operations: [this.shared.operation(ctx, name, TYPE, "CreateLoadBalancer")] };
  }

  GetLoadBalancer(ctx: RequestContext, input: L.GetLoadBalancerInput): L.GetLoadBalancerOutput {
    return { loadBalancer: this.view(this.row(ctx, input.loadBalancerName)) };
  }

  GetLoadBalancers(ctx: RequestContext, _input: L.GetLoadBalancersInput): L.GetLoadBalancersOutput {
    return { loadBalancers: this.shared.db.list<LbBody>(ctx, TYPE).map((r) => this.view(r)) };
  }

  async DeleteLoadBalancer(ctx: RequestContext, input: L.DeleteLoadBalancerInput): Promise<L.DeleteLoadBalancerOutput> {
    const row = this.row(ctx, input.loadBalancerName);
    this.running.get(row.arn)?.close();
    this.running.delete(row.arn);
    this.shared.db.delete(ctx, TYPE, row.name);
    this.shared.dnsChanged?.();
    return { operations: [this.shared.operation(ctx, row.name, TYPE, "DeleteLoadBalancer")] };
  }

  AttachInstancesToLoadBalancer(ctx: RequestContext, input: L.AttachInstancesToLoadBalancerInput): L.AttachInstancesToLoadBalancerOutput {
    const row = this.row(ctx, input.loadBalancerName);
    const names = this.instanceNames(ctx, input.instanceNames);
    const next = [...new Set([...row.body.sk.instances, ...names])];
    if (next.length > LbLimits.MAX_INSTANCES) throw invalidInput(`A load balancer can have at most ${LbLimits.MAX_INSTANCES} target instances.`);
    this.shared.db.put({ ...row, body: { ...row.body, sk: { ...row.body.sk, instances: next } } });
    this.running.get(row.arn)?.attached();
    return { operations: [this.shared.operation(ctx, row.name, TYPE, "AttachInstancesToLoadBalancer"), ...names.map((n) => this.shared.operation(ctx, n, "Instance", "AttachInstancesToLoadBalancer"))] };
  }

  DetachInstancesFromLoadBalancer(ctx: RequestContext, input: L.DetachInstancesFromLoadBalancerInput): L.DetachInstancesFromLoadBalancerOutput {
    const row = this.row(ctx, input.loadBalancerName);
    const names = this.instanceNames(ctx, input.instanceNames);
    for (const n of names) if (!row.body.sk.instances.includes(n)) throw invalidInput(`The Instance ${n} is not attached to the load balancer ${row.name}.`);
    this.shared.db.put({ ...row, body: { ...row.body, sk: { ...row.body.sk, instances: row.body.sk.instances.filter((n) => !names.includes(n)) } } });
    this.running.get(row.arn)?.attached();
    return { operations: [this.shared.operation(ctx, row.name, TYPE, "DetachInstancesFromLoadBalancer"), ...names.map((n) => this.shared.operation(ctx, n, "Instance", "DetachInstancesFromLoadBalancer"))] };
  }

  UpdateLoadBalancerAttribute(ctx: RequestContext, input: L.UpdateLoadBalancerAttributeInput): L.UpdateLoadBalancerAttributeOutput {
    const row = this.row(ctx, input.loadBalancerName);
    const attr = input.attributeName as (typeof ATTRIBUTES)[number];
    if (!ATTRIBUTES.includes(attr)) throw invalidInput(`attributeName must be one of ${ATTRIBUTES.join(", ")}`);
    const value = String(input.attributeValue ?? "");
    const body = { ...row.body, configurationOptions: { ...row.body.configurationOptions } };
    const bool = () => {
      if (value !== "true" && value !== "false") throw invalidInput(`The value of ${attr} must be true or false.`);
      return value;
    };
    switch (attr) {
      case "HealthCheckPath":
        body.healthCheckPath = healthPath(value);
        break;
      case "SessionStickinessEnabled":
        body.configurationOptions.SessionStickinessEnabled = bool();
        break;
      case "SessionStickiness_LB_CookieDurationSeconds": {
        const n = Number(value);
        if (!/^\d{1,6}$/.test(value) || n < 1 || n > 604_800) throw invalidInput("SessionStickiness_LB_CookieDurationSeconds must be from 1 to 604800 seconds.");
        body.configurationOptions.SessionStickiness_LB_CookieDurationSeconds = value;
        break;
      }
      case "HttpsRedirectionEnabled":
        if (bool() === "true") throw invalidInput("HTTPS redirection needs a valid TLS certificate attached to the load balancer.");
        body.httpsRedirectionEnabled = false;
        break;
      case "TlsPolicyName":
        if (!TLS_POLICIES.includes(value)) throw invalidInput(`The TLS security policy ${value} is not valid.`);
        body.tlsPolicyName = value;
        break;
    }
    this.shared.db.put({ ...row, body });
    this.running.get(row.arn)?.update(settingsOf(body));
    return { operations: [this.shared.operation(ctx, row.name, TYPE, "UpdateLoadBalancerAttribute")] };
  }

  GetLoadBalancerTlsPolicies(_ctx: RequestContext, _input: L.GetLoadBalancerTlsPoliciesInput): L.GetLoadBalancerTlsPoliciesOutput {
    return {
      tlsPolicies: [
        { name: "TLS-2016-08", isDefault: true, description: "The default TLS security policy. Supports TLS 1.0, 1.1 and 1.2.", protocols: ["TLSv1", "TLSv1.1", "TLSv1.2"] },
        { name: "TLS-FS-Res-1-2-2019-08", isDefault: false, description: "Supports TLS 1.2 with forward secrecy ciphers only.", protocols: ["TLSv1.2"] },
      ],
    };
  }

  close(): void {
    for (const b of this.running.values()) b.close();
    this.running.clear();
  }

  reset(): void {
    this.close();
  }

  health(): Record<string, unknown> {
    return { loadBalancers: Object.fromEntries(this.shared.db.all<LbBody>(TYPE).map((r) => [r.name, { address: `${r.body.sk.address}:${PORT}`, listening: this.running.has(r.arn) }])) };
  }

  private async start(row: LbRow): Promise<void> {
    const where = { accountId: row.account, region: row.region };
    const targets = (): Target[] => {
      const current = this.shared.db.get<LbBody>(where, TYPE, row.name);
      return (current?.body.sk.instances ?? []).flatMap((n) => {
        const inst = this.shared.db.get<InstanceBody>(where, "Instance", n);
        if (!inst) return [];
        return [{ name: n, host: inst.body.state?.name === "running" ? inst.body.privateIpAddress : undefined }];
      });
    };
    const b = new Balancer(row.body.sk.address, PORT, settingsOf(row.body), targets, this.env.config.lightsailHealthCheckMs ?? 30_000, this.env.log);
    this.running.set(row.arn, b);
    const ok = await b.start();
    const current = this.shared.db.get<LbBody>(where, TYPE, row.name);
    if (current) this.shared.db.put({ ...current, body: { ...current.body, state: ok ? "active" : "failed" } });
    this.shared.dnsChanged?.();
  }

  private row(ctx: RequestContext, name: unknown): LbRow {
    const n = checkName(name, "loadBalancerName");
    const r = this.shared.db.get<LbBody>(ctx, TYPE, n);
    if (!r) throw notFound(`The LoadBalancer does not exist: ${n}`);
    return r;
  }

  private instanceNames(ctx: RequestContext, names: unknown): string[] {
    if (!Array.isArray(names) || names.length === 0) throw invalidInput("instanceNames must name at least one instance");
    if (names.length > LbLimits.MAX_INSTANCES) throw invalidInput(`A load balancer can have at most ${LbLimits.MAX_INSTANCES} target instances.`);
    return names.map((n) => {
      const name = checkName(n, "instanceName");
      if (!this.shared.db.get(ctx, "Instance", name)) throw notFound(`The Instance does not exist: ${name}`);
      return name;
    });
  }

  private view(row: LbRow): L.LoadBalancer {
    const { sk, ...rest } = row.body;
    const b = this.running.get(row.arn);
    const health = b ? b.health() : sk.instances.map((n) => ({ instanceName: n, instanceHealth: "unavailable", instanceHealthReason: "Lb.InternalError" }));
    return { ...rest, createdAt: new Date(rest.createdAt as unknown as string), instanceHealthSummary: health };
  }
}

function healthPath(p: string): string {
  if (typeof p !== "string" || !p.startsWith("/") || p.length > LbLimits.MAX_HEALTH_PATH || /[\s\u0000-\u001f]/.test(p)) throw invalidInput("The health check path must start with a forward slash (/) and contain no spaces or control characters.");
  return p;
}

function settingsOf(b: LbBody): BalancerSettings {
  return {
    instancePort: b.instancePort!,
    healthCheckPath: b.healthCheckPath ?? "/",
    stickiness: b.configurationOptions?.SessionStickinessEnabled === "true",
    stickinessSeconds: Number(b.configurationOptions?.SessionStickiness_LB_CookieDurationSeconds ?? 86400),
  };
}
