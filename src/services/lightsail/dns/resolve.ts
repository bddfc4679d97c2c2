/**
 * The authoritative answer to one DNS query (RFC 1034 §4.3.2, RFC 2308 for negative answers), as bytes.
 * Pure: the zone index in, a response out; the server only moves bytes. Answers are cached by the query's
 * bytes after its id until the index changes, so a repeated query costs one map lookup and one copy.
 */
import * as dnsPacket from "dns-packet";
import type { Answer, DecodedPacket, OptAnswer, Packet, Question } from "dns-packet";
import { canonicalName, type Zone, type ZoneIndex } from "./zones.js";

export const DnsLimits = {
  /** Largest query we parse: a real query is a few dozen bytes. */
  MAX_QUERY_BYTES: 4096,
  /** UDP answers without EDNS (RFC 1035 §4.2.1). */
  UDP_PLAIN_BYTES: 512,
  /** The most we send over UDP whatever EDNS asks (the DNS flag day 2020 value). */
  UDP_EDNS_MAX_BYTES: 1232,
  TCP_MAX_BYTES: 65535,
  /** CNAMEs followed inside our zones before giving up (loops). */
  MAX_CNAME_CHAIN: 8,
  MAX_CACHED_ANSWERS: 10000,
} as const;

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export type Transport = "udp" | "tcp";

/** Builds responses, caching them per question for the current zone generation. */
export class DnsResponder {
  private readonly cache = new Map<string, Buffer>();
  private cacheGeneration = -1;

  constructor(private readonly zones: ZoneIndex) {}

  /** The response to `query`, or undefined when it deserves none (not even a header could be read). */
  respond(query: Buffer, transport: Transport): Buffer | undefined {
    if (query.length < 12 || query.length > DnsLimits.MAX_QUERY_BYTES) return query.length >= 12 ? headerOnly(query, RCODE.FORMERR) : undefined;
    if (query[2]! & 0x80) return undefined; // a response: never answer those (reflection loops)
    if (this.cacheGeneration !== this.zones.generation || this.cache.size >= DnsLimits.MAX_CACHED_ANSWERS) {
      this.cache.clear();
      this.cacheGeneration = this.zones.generation;
    }
    // Everything after the id decides the answer: a repeated query is answered without decoding it.
    const rawKey = `${transport}\u0000${query.toString("latin1", 2)}`;
    const hit = this.cache.get(rawKey);
    if (hit) return withId(hit, query);
    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return headerOnly(query, RCODE.FORMERR);
    }
    const opcode = (query[2]! >> 3) & 0xf;
    if (opcode !== 0) return headerOnly(query, RCODE.NOTIMP);
    const questions = packet.questions ?? [];
    if (questions.length !== 1) return headerOnly(query, RCODE.FORMERR);
    const q = questions[0]!;
    const opt = (packet.additionals ?? []).find((a): a is OptAnswer => a.type === "OPT");
    const limit = transport === "tcp" ? DnsLimits.TCP_MAX_BYTES : opt ? Math.min(DnsLimits.UDP_EDNS_MAX_BYTES, Math.max(DnsLimits.UDP_PLAIN_BYTES, opt.udpPayloadSize)) : DnsLimits.UDP_PLAIN_BYTES;
    const rd = query[2]! & 0x01;

    const out = this.build(q, rd, opt !== undefined, limit);
    this.cache.set(rawKey, out);
    return withId(out, query);
  }

  private build(q: Question, rd: number, edns: boolean, limit: number): Buffer {
    const res: Packet = { type: "response", id: 0, flags: rd ? dnsPacket.RECURSION_DESIRED : 0, questions: [q], answers: [], authorities: [], additionals: [] };
    if (edns) res.additionals!.push({ type: "OPT", name: ".", udpPayloadSize: DnsLimits.UDP_EDNS_MAX_BYTES, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as OptAnswer);
    const zone = q.class === "IN" || q.class === "ANY" ? this.zones.find(canonicalName(q.name)) : undefined;
    if (!zone) {
      res.flags! |= RCODE.REFUSED;
    } else {
      res.flags! |= dnsPacket.AUTHORITATIVE_ANSWER | lookup(zone, this.zones, q, res);
    }
    let buf = dnsPacket.encode(res);
    if (buf.length > limit) {
      // Too big for this transport: the question alone with TC set; the client retries over TCP.
      res.answers = [];
      res.authorities = [];
      res.additionals = edns ? res.additionals!.filter((a) => a.type === "OPT") : [];
      res.flags! |= dnsPacket.TRUNCATED_RESPONSE;
      buf = dnsPacket.encode(res);
    }
    return buf;
  }
}

/** Fills answers/authorities/additionals for a question inside `zone`; returns the rcode. */
function lookup(zone: Zone, zones: ZoneIndex, q: Question, res: Packet): number {
  const answers = res.answers!;
  let name = canonicalName(q.name);
  let current: Zone | undefined = zone;
  const wantsAll = (q.type as string) === "ANY";
  for (let hop = 0; hop <= DnsLimits.MAX_CNAME_CHAIN && current; hop++) {
    const node = nodeFor(current, name);
    if (!node) {
      if (hop > 0) return RCODE.NOERROR; // the chain leaves the data we have: the resolver follows it
      const exists = current.interior.has(name);
      res.authorities!.push(current.soa);
      return exists ? RCODE.NOERROR : RCODE.NXDOMAIN;
    }
    const owner = q.name.toLowerCase() === name ? q.name : name;
    if (wantsAll) {
      for (const list of node.values()) for (const rr of list) answers.push({ ...rr, name: owner } as Answer);
      return RCODE.NOERROR;
    }
    const direct = node.get(q.type);
    if (direct) {
      for (const rr of direct) answers.push({ ...rr, name: owner } as Answer);
      addGlue(zones, direct, res);
      return RCODE.NOERROR;
    }
    const cname = node.get("CNAME");
    if (cname && q.type !== "CNAME") {
      answers.push({ ...cname[0]!, name: owner } as Answer);
      name = (cname[0] as { data: string }).data;
      current = zones.find(name);
      continue;
    }
    // The name exists without this type: NOERROR, no data, the SOA for negative caching.
    if (hop === 0) res.authorities!.push(current.soa);
    return RCODE.NOERROR;
  }
  return RCODE.NOERROR;
}

/** The records of `name`, exact or from a wildcard `*.parent` (RFC 4592) when the name does not exist. */
function nodeFor(zone: Zone, name: string): Map<string, Answer[]> | undefined {
  const exact = zone.nodes.get(name);
  if (exact || zone.interior.has(name)) return exact;
  let n = name;
  while (n !== zone.apex) {
    const dot = n.indexOf(".");
    if (dot < 0) return undefined;
    n = n.slice(dot + 1);
    if (zone.nodes.has(n) && n !== zone.apex) return undefined; // an existing closer encloser blocks the wildcard
    const wild = zone.nodes.get(`*.${n}`);
    if (wild) return wild;
  }
  return undefined;
}

/** Addresses of in-zone MX, SRV and NS targets, as the additional section (saves the resolver a round trip). */
function addGlue(zones: ZoneIndex, rrs: Answer[], res: Packet): void {
  for (const rr of rrs) {
    const target = rr.type === "MX" ? rr.data.exchange : rr.type === "SRV" ? rr.data.target : rr.type === "NS" ? (rr.data as string) : undefined;
    if (!target) continue;
    const z = zones.find(target);
    const node = z?.nodes.get(target);
    if (!node) continue;
    for (const t of ["A", "AAAA"]) for (const a of node.get(t) ?? []) res.additionals!.push(a);
  }
}

function withId(answer: Buffer, query: Buffer): Buffer {
  const copy = Buffer.from(answer);
  copy[0] = query[0]!;
  copy[1] = query[1]!;
  return copy;
}

/** A response carrying only the query's id and an rcode (for queries we cannot or will not parse). */
function headerOnly(query: Buffer, rcode: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = query[0]!;
  b[1] = query[1]!;
  b[2] = 0x80 | (query[2]! & 0x79); // QR, opcode and RD echoed
  b[3] = rcode;
  return b;
}
