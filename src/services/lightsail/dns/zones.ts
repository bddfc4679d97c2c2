/**
 * The in-memory index the authoritative DNS server answers from: one zone per Lightsail domain, its
 * entries turned into resource records once (rebuilt whole on every change — domains are small and
 * changes rare, so the query path never touches the store).
 *
 * Entry targets follow Lightsail's forms: MX "10 mail.example.com" (a bare host gets priority 10), SRV
 * "priority weight port target", TXT with or without surrounding quotes.
 */
import type { Answer } from "dns-packet";

/** A Lightsail domain entry as the index needs it (name is the full, dot-free-terminated owner name). */
export interface ZoneEntry {
  name: string;
  type: string;
  target: string;
}

export interface ZoneInput {
  domainName: string;
  entries: ZoneEntry[];
  /** SOA serial: changes whenever the zone does. */
  serial: number;
}

/** Route 53's defaults for the SOA and NS it creates with a hosted zone (Lightsail DNS zones are Route 53 zones). */
export const ZoneDefaults = {
  NAME_SERVERS: ["ns1.skyport.localhost", "ns2.skyport.localhost"],
  SOA_TTL_SECONDS: 900,
  NS_TTL_SECONDS: 172800,
  RECORD_TTL_SECONDS: 60,
  REFRESH_SECONDS: 7200,
  RETRY_SECONDS: 900,
  EXPIRE_SECONDS: 1209600,
  MINIMUM_SECONDS: 86400,
} as const;

export interface Zone {
  apex: string;
  soa: Answer;
  ns: Answer[];
  /** Owner name (lower case) → type → records. */
  nodes: Map<string, Map<string, Answer[]>>;
  /** Names that exist only because a longer name below them does (RFC 8020: NOERROR, not NXDOMAIN). */
  interior: Set<string>;
}

/** Lower-cases and strips a trailing dot. */
export function canonicalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith(".") ? n.slice(0, -1) : n;
}

function mxData(target: string): { preference: number; exchange: string } {
  const parts = target.trim().split(/\s+/);
  if (parts.length >= 2 && /^\d+$/.test(parts[0]!)) return { preference: Math.min(65535, Number(parts[0])), exchange: canonicalName(parts[1]!) };
  return { preference: 10, exchange: canonicalName(parts[0] ?? "") };
}

function srvData(target: string): { priority: number; weight: number; port: number; target: string } | undefined {
  const parts = target.trim().split(/\s+/);
  if (parts.length !== 4 || !parts.slice(0, 3).every((p) => /^\d+$/.test(p))) return undefined;
  const [priority, weight, port] = parts.slice(0, 3).map((p) => Math.min(65535, Number(p))) as [number, number, number];
  return { priority, weight, port, target: canonicalName(parts[3]!) };
}

/** TXT: the quoted strings of the target (or the whole target unquoted), cut into 255-byte character strings. */
export function txtData(target: string): Buffer[] {
  const quoted = [...target.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1"));
  const strings = quoted.length > 0 ? quoted : [target];
  const out: Buffer[] = [];
  for (const s of strings) {
    const b = Buffer.from(s, "utf8");
    if (b.length === 0) out.push(b);
    for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  }
  return out;
}

/** One entry as a resource record, or undefined when its target cannot be one (it is then not served). */
export function entryRecord(entry: ZoneEntry): Answer | undefined {
  const name = canonicalName(entry.name);
  const ttl = ZoneDefaults.RECORD_TTL_SECONDS;
  const target = entry.target.trim();
  switch (entry.type) {
    case "A":
    case "AAAA":
      return { type: entry.type, name, ttl, data: target };
    case "CNAME":
    case "NS":
      return { type: entry.type, name, ttl: entry.type === "NS" ? ZoneDefaults.NS_TTL_SECONDS : ttl, data: canonicalName(target) };
    case "MX":
      return { type: "MX", name, ttl, data: mxData(target) };
    case "TXT":
      return { type: "TXT", name, ttl, data: txtData(target) };
    case "SRV": {
      const data = srvData(target);
      return data && { type: "SRV", name, ttl, data };
    }
    default:
      return undefined;
  }
}

function buildZone(input: ZoneInput): Zone {
  const apex = canonicalName(input.domainName);
  const soa: Answer = {
    type: "SOA",
    name: apex,
    ttl: ZoneDefaults.SOA_TTL_SECONDS,
    data: {
      mname: ZoneDefaults.NAME_SERVERS[0],
      rname: `hostmaster.${apex}`,
      serial: input.serial >>> 0,
      refresh: ZoneDefaults.REFRESH_SECONDS,
      retry: ZoneDefaults.RETRY_SECONDS,
      expire: ZoneDefaults.EXPIRE_SECONDS,
      minimum: ZoneDefaults.MINIMUM_SECONDS,
    },
  };
  const nodes = new Map<string, Map<string, Answer[]>>();
  const add = (rr: Answer): void => {
    let node = nodes.get(rr.name);
    if (!node) nodes.set(rr.name, (node = new Map()));
    let list = node.get(rr.type);
    if (!list) node.set(rr.type, (list = []));
    list.push(rr);
  };
  for (const entry of input.entries) {
    const rr = entryRecord(entry);
    if (!rr || (rr.name !== apex && !rr.name.endsWith(`.${apex}`))) continue;
    // The apex NS set is the zone's own (ns below); other NS entries delegate, and are served as data here.
    if (rr.type === "NS" && rr.name === apex) continue;
    add(rr);
  }
  const ns: Answer[] = ZoneDefaults.NAME_SERVERS.map((data) => ({ type: "NS", name: apex, ttl: ZoneDefaults.NS_TTL_SECONDS, data }));
  for (const rr of ns) add(rr);
  add(soa);
  const interior = new Set<string>();
  for (const name of nodes.keys()) {
    let n = name;
    while (n !== apex) {
      const dot = n.indexOf(".");
      if (dot < 0) break;
      n = n.slice(dot + 1);
      if (n === apex || interior.has(n)) break;
      interior.add(n);
    }
  }
  return { apex, soa, ns, nodes, interior };
}

/** All zones by apex; finds the zone of a name by its longest matching suffix. */
export class ZoneIndex {
  private readonly zones = new Map<string, Zone>();
  /** Bumped on every rebuild, so answer caches know when to drop. */
  generation = 0;

  /** Replaces every zone. Two accounts may create the same domain: the first one listed wins. */
  rebuild(inputs: ZoneInput[]): void {
    this.zones.clear();
    for (const input of inputs) {
      const apex = canonicalName(input.domainName);
      if (!this.zones.has(apex)) this.zones.set(apex, buildZone(input));
    }
    this.generation++;
  }

  /** The zone holding `name` (canonical), or undefined when no zone is an ancestor of it. */
  find(name: string): Zone | undefined {
    let n = name;
    for (;;) {
      const z = this.zones.get(n);
      if (z) return z;
      const dot = n.indexOf(".");
      if (dot < 0) return undefined;
      n = n.slice(dot + 1);
    }
  }

  get size(): number {
    return this.zones.size;
  }
}
