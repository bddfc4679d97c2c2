/**
 * DNS zones: CreateDomain, GetDomain(s), DeleteDomain, Create/Update/DeleteDomainEntry — and the real
 * authoritative server (dns/) that answers for them on --dns-port, from an index rebuilt on every change.
 *
 * A new domain gets the entries AWS shows for a new zone: its NS set (Skyport's own name servers here) and
 * its SOA. Entries are one value each, as in Lightsail; names are full names inside the domain ("www.example.com";
 * a bare label or "@" is taken relative to the domain). Routes 53's rule that a CNAME owns its name alone is
 * enforced with Route 53's message. An A entry that aliases a load balancer's dnsName (isAlias) answers the
 * balancer's address, and the server answers balancers' own {…}.{region}.elb.amazonaws.com names. Known gaps:
 * aliases of other targets (distributions, container services, buckets) are served as plain records;
 * registeredDomainDelegationInfo is always absent (no registrar).
 */
import { randomInt } from "node:crypto";
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { invalidInput, notFound, type LightsailShared, type ResourceRow } from "./shared.js";
import { DnsServer } from "./dns/server.js";
import { canonicalName, ZoneDefaults, ZoneIndex, type ZoneInput } from "./dns/zones.js";
import { LoadBalancerOps } from "./lb-ops.js";

const TYPE = "Domain";
const ENTRY_TYPES = new Set(["A", "AAAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"]);
export const DomainLimits = { MAX_DOMAINS: 100, MAX_ENTRIES_PER_DOMAIN: 1000, MAX_TARGET_CHARS: 4000 } as const;

interface DomainBody extends L.Domain {
  domainEntries: L.DomainEntry[];
  /** Seconds: the SOA serial, bumped on every change. */
  serial: number;
}

const LABEL = /^(\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;

/** A DNS name of at most 253 characters and 63-character labels (letters, digits, hyphens, underscores; a leading `*`). */
export function checkDnsName(value: string, field: string): string {
  const name = canonicalName(value);
  const labels = name.split(".");
  if (name.length === 0 || name.length > 253 || !labels.every((l, i) => LABEL.test(l) && (l !== "*" || i === 0))) {
    throw invalidInput(`The ${field} "${value.slice(0, 300)}" is not a valid domain name`);
  }
  return name;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function checkTarget(type: string, target: string): void {
  const bad = (what: string) => invalidInput(`The target "${target.slice(0, 300)}" of a ${type} record must be ${what}`);
  const host = (h: string | undefined) => h !== undefined && h.length > 0 && h.length <= 253 && canonicalName(h).split(".").every((l) => LABEL.test(l));
  switch (type) {
    case "A":
      if (!IPV4.test(target)) throw bad("an IPv4 address");
      return;
    case "AAAA":
      if (!/^[0-9a-f:.]+$/i.test(target) || !target.includes(":")) throw bad("an IPv6 address");
      return;
    case "CNAME":
    case "NS":
      if (!host(target)) throw bad("a domain name");
      return;
    case "MX": {
      const p = target.trim().split(/\s+/);
      if (!(p.length === 1 ? host(p[0]) : p.length === 2 && /^\d{1,5}$/.test(p[0]!) && Number(p[0]) <= 65535 && host(p[1]))) throw bad('"PRIORITY HOST", e.g. "10 mail.example.com"');
      return;
    }
    case "SRV": {
      const p = target.trim().split(/\s+/);
      if (p.length !== 4 || !p.slice(0, 3).every((x) => /^\d{1,5}$/.test(x) && Number(x) <= 65535) || !host(p[3])) throw bad('"PRIORITY WEIGHT PORT HOST", e.g. "1 10 5060 sip.example.com"');
      return;
    }
  }
}

export class DomainOps {
  private readonly zones = new ZoneIndex();
  private server?: DnsServer;
  private port?: number;
  private readonly ready: Promise<void>;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    this.rebuild();
    shared.dnsChanged = () => this.rebuild();
    this.ready = this.listen();
  }

  private async listen(): Promise<void> {
    const port = this.env.config.dnsPort;
    if (port === undefined) return;
    const server = new DnsServer(this.zones);
    try {
      this.port = await server.listen(port);
      this.server = server;
      this.env.log.info(`lightsail: authoritative DNS for Lightsail domains on 127.0.0.1:${this.port} (UDP and TCP)`);
    } catch (e) {
      this.env.log.error(`lightsail: could not start the DNS server on 127.0.0.1:${port} (${(e as Error).message}); choose another --dns-port`);
    }
  }

  /** The zone index from every stored domain (all accounts: there is one DNS server). */
  private rebuild(): void {
    // Load balancers' dnsNames resolve to their addresses, in AWS's elb.amazonaws.com names and through alias entries.
    const balancers = this.balancers();
    const aliased = new Map(balancers.map((b) => [canonicalName(b.dnsName), b.address]));
    const inputs: ZoneInput[] = this.shared.db.all<DomainBody>(TYPE).map((r) => ({
      domainName: r.name,
      serial: r.body.serial ?? Math.floor(r.created / 1000),
      entries: (r.body.domainEntries ?? []).map((e) => {
        if (e.isAlias && e.type === "A") {
          // An alias whose balancer is gone answers nothing (NODATA), as Route 53 does for a dangling alias.
          const address = aliased.get(canonicalName(e.target ?? ""));
          return { name: e.name ?? r.name, type: address ? "A" : "", target: address ?? "" };
        }
        return { name: e.name ?? r.name, type: e.type ?? "", target: e.target ?? "" };
      }),
    }));
    const regions = new Set(balancers.map((b) => b.region));
    for (const region of regions) {
      const entries = balancers.filter((b) => b.region === region).map((b) => ({ name: b.dnsName, type: "A", target: b.address }));
      inputs.push({ domainName: `${region}.elb.amazonaws.com`, serial: Math.floor(this.env.clock.now() / 1000), entries });
    }
    this.zones.rebuild(inputs);
  }

  private balancers(): Array<{ region: string; dnsName: string; address: string }> {
    try {
      return this.shared.group(LoadBalancerOps).dnsNames();
    } catch {
      return []; // the group is not loaded (a provider built with fewer groups)
    }
  }

  private get(ctx: RequestContext, domainName: unknown): ResourceRow<DomainBody> {
    if (typeof domainName !== "string" || domainName === "") throw invalidInput("domainName is required");
    const r = this.shared.db.get<DomainBody>(ctx, TYPE, canonicalName(domainName));
    if (!r) throw notFound(`The domain does not exist: ${domainName.slice(0, 300)}`);
    return r;
  }

  private view(r: ResourceRow<DomainBody>): L.Domain {
    const { serial: _s, ...d } = r.body;
    return { ...d, createdAt: new Date(r.created) };
  }

  private save(r: ResourceRow<DomainBody>): void {
    r.body.serial = Math.max((r.body.serial ?? 0) + 1, Math.floor(this.env.clock.now() / 1000));
    this.shared.db.put(r);
    this.rebuild();
  }

  private newEntryId(): string {
    // AWS's entry ids are decimal numbers (often negative), as strings.
    return String(randomInt(-(2 ** 47), 2 ** 47 - 1));
  }

  async CreateDomain(ctx: RequestContext, input: L.CreateDomainInput): Promise<L.CreateDomainOutput> {
    const name = checkDnsName(String(input.domainName ?? ""), "domainName");
    if (name.split(".").length < 2 || name.startsWith("*")) throw invalidInput(`The domainName "${name}" must be a domain such as example.com`);
    if (this.shared.db.get(ctx, TYPE, name)) throw invalidInput(`The domain ${name} already exists`);
    if (this.shared.db.list(ctx, TYPE).length >= DomainLimits.MAX_DOMAINS) throw invalidInput(`You can have at most ${DomainLimits.MAX_DOMAINS} domains`);
    const tags = this.shared.tagsIn(input.tags);
    const created = this.env.clock.now();
    const soa = `${ZoneDefaults.NAME_SERVERS[0]}. hostmaster.${name}. 1 ${ZoneDefaults.REFRESH_SECONDS} ${ZoneDefaults.RETRY_SECONDS} ${ZoneDefaults.EXPIRE_SECONDS} ${ZoneDefaults.MINIMUM_SECONDS}`;
    const entries: L.DomainEntry[] = [
      ...ZoneDefaults.NAME_SERVERS.map((ns) => ({ id: this.newEntryId(), name, target: `${ns}.`, isAlias: false, type: "NS", options: {} })),
      { id: this.newEntryId(), name, target: soa, isAlias: false, type: "SOA", options: {} },
    ];
    const row: ResourceRow<DomainBody> = {
      account: ctx.accountId,
      region: ctx.region,
      type: TYPE,
      name,
      arn: this.shared.arn(ctx, TYPE),
      created,
      body: { name, arn: "", supportCode: `${ctx.accountId}/${name}`, location: this.shared.location(ctx), resourceType: TYPE, tags, domainEntries: entries, serial: Math.floor(created / 1000) },
    };
    row.body.arn = row.arn;
    this.save(row);
    await this.ready;
    return { operation: this.shared.operation(ctx, name, TYPE, "CreateDomain") };
  }

  GetDomain(ctx: RequestContext, input: L.GetDomainInput): L.GetDomainOutput {
    return { domain: this.view(this.get(ctx, input.domainName)) };
  }

  GetDomains(ctx: RequestContext): L.GetDomainsOutput {
    return { domains: this.shared.db.list<DomainBody>(ctx, TYPE).map((r) => this.view(r)) };
  }

  DeleteDomain(ctx: RequestContext, input: L.DeleteDomainInput): L.DeleteDomainOutput {
    const r = this.get(ctx, input.domainName);
    this.shared.db.delete(ctx, TYPE, r.name);
    this.rebuild();
    return { operation: this.shared.operation(ctx, r.name, TYPE, "DeleteDomain") };
  }

  /** A checked entry: type known, name inside the domain, target valid for the type. */
  private entryIn(domain: string, e: L.DomainEntry | undefined): Required<Pick<L.DomainEntry, "name" | "type" | "target">> & L.DomainEntry {
    if (!e || typeof e !== "object") throw invalidInput("domainEntry is required");
    const type = typeof e.type === "string" ? e.type.toUpperCase() : "";
    if (!ENTRY_TYPES.has(type) || type === "SOA") throw invalidInput(`The domain entry type "${String(e.type).slice(0, 20)}" is not supported: use A, AAAA, CNAME, MX, NS, SRV or TXT`);
    if (typeof e.target !== "string" || e.target.trim() === "") throw invalidInput("domainEntry.target is required");
    if (e.target.length > DomainLimits.MAX_TARGET_CHARS) throw invalidInput(`domainEntry.target must be at most ${DomainLimits.MAX_TARGET_CHARS} characters`);
    let raw = typeof e.name === "string" && e.name !== "" && e.name !== "@" ? e.name : domain;
    if (!canonicalName(raw).includes(".")) raw = `${raw}.${domain}`; // a bare label: relative to the domain
    const name = checkDnsName(raw, "domainEntry.name");
    if (name !== domain && !name.endsWith(`.${domain}`)) throw invalidInput(`The domain entry name ${name} is not inside the domain ${domain}`);
    // An alias (A) entry names the resource it points at (a load balancer's dnsName), not an address.
    checkTarget(e.isAlias === true && type === "A" ? "CNAME" : type, e.target.trim());
    return { ...e, name, type, target: e.target.trim() };
  }

  private checkCname(domain: string, entries: L.DomainEntry[], e: { name: string; type: string }, skipId?: string): void {
    const others = entries.filter((x) => x.id !== skipId && x.name === e.name);
    if (others.some((x) => x.type === "CNAME") || (e.type === "CNAME" && others.length > 0)) {
      throw invalidInput(`RRSet of type CNAME with DNS name ${e.name}. is not permitted as it conflicts with other records with the same DNS name in zone ${domain}.`);
    }
  }

  CreateDomainEntry(ctx: RequestContext, input: L.CreateDomainEntryInput): L.CreateDomainEntryOutput {
    const r = this.get(ctx, input.domainName);
    const e = this.entryIn(r.name, input.domainEntry);
    const entries = r.body.domainEntries;
    if (entries.length >= DomainLimits.MAX_ENTRIES_PER_DOMAIN) throw invalidInput(`A domain can have at most ${DomainLimits.MAX_ENTRIES_PER_DOMAIN} entries`);
    this.checkCname(r.name, entries, e);
    if (entries.some((x) => x.name === e.name && x.type === e.type && x.target === e.target)) throw invalidInput(`The domain entry ${e.type} ${e.name} ${e.target.slice(0, 300)} already exists`);
    entries.push({ id: this.newEntryId(), name: e.name, target: e.target, isAlias: e.isAlias === true, type: e.type, options: {} });
    this.save(r);
    return { operation: this.shared.operation(ctx, r.name, TYPE, "CreateDomainEntry", { operationDetails: e.name }) };
  }

  UpdateDomainEntry(ctx: RequestContext, input: L.UpdateDomainEntryInput): L.UpdateDomainEntryOutput {
    const r = this.get(ctx, input.domainName);
    const id = input.domainEntry?.id;
    if (typeof id !== "string" || id === "") throw invalidInput("domainEntry.id is required to update an entry");
    const entries = r.body.domainEntries;
    const i = entries.findIndex((x) => x.id === id);
    if (i < 0) throw notFound(`The domain entry does not exist: ${id.slice(0, 64)}`);
    if (entries[i]!.type === "SOA") throw invalidInput("The SOA entry of a domain cannot be changed");
    const current = entries[i]!;
    const e = this.entryIn(r.name, { ...current, ...input.domainEntry });
    this.checkCname(r.name, entries, e, id);
    entries[i] = { id, name: e.name, target: e.target, isAlias: e.isAlias === true, type: e.type, options: {} };
    this.save(r);
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "UpdateDomainEntry", { operationDetails: e.name })] };
  }

  DeleteDomainEntry(ctx: RequestContext, input: L.DeleteDomainEntryInput): L.DeleteDomainEntryOutput {
    const r = this.get(ctx, input.domainName);
    const want = input.domainEntry;
    if (!want || typeof want !== "object") throw invalidInput("domainEntry is required");
    const entries = r.body.domainEntries;
    const name = typeof want.name === "string" && want.name !== "" ? canonicalName(want.name === "@" ? r.name : want.name) : undefined;
    const i = entries.findIndex((x) =>
      want.id ? x.id === want.id : x.name === name && x.type === String(want.type ?? "").toUpperCase() && (want.target === undefined || x.target === want.target.trim()),
    );
    if (i < 0) throw notFound(`The domain entry does not exist in ${r.name}`);
    if (entries[i]!.type === "SOA" || (entries[i]!.type === "NS" && entries[i]!.name === r.name)) throw invalidInput("The SOA and NS entries of the domain apex cannot be deleted");
    const [gone] = entries.splice(i, 1);
    this.save(r);
    return { operation: this.shared.operation(ctx, r.name, TYPE, "DeleteDomainEntry", { operationDetails: gone!.name ?? "" }) };
  }

  async close(): Promise<void> {
    await this.ready;
    await this.server?.close();
    this.server = undefined;
  }

  reset(): void {
    this.rebuild();
  }

  health(): Record<string, unknown> {
    return { dns: { port: this.port ?? null, zones: this.zones.size } };
  }
}
