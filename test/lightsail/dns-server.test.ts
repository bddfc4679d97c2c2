/**
 * The authoritative DNS engine on its own (zone index → responder → UDP/TCP server), checked with real
 * resolver clients: node's dns.Resolver and `dig` (dnsutils) when installed. Expected answers follow
 * RFC 1034 §4.3.2 (CNAME chasing), RFC 2308 (NXDOMAIN/NODATA with the SOA), RFC 1035 §4.2.1 (512-byte UDP).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import * as dnsPacket from "dns-packet";
import { DnsServer } from "../../src/services/lightsail/dns/server.js";
import { ZoneIndex } from "../../src/services/lightsail/dns/zones.js";

const run = promisify(execFile);
const zones = new ZoneIndex();
const server = new DnsServer(zones);
let port = 0;
let resolver: Resolver;
const hasDig = await run("dig", ["-v"]).then(() => true, () => false);

before(async () => {
  const bigTxt = Array.from({ length: 12 }, (_, i) => ({ name: "big.example.com", type: "TXT", target: `"${String(i).padStart(2, "0")}${"x".repeat(60)}"` }));
  zones.rebuild([
    {
      domainName: "example.com",
      serial: 1234,
      entries: [
        { name: "example.com", type: "A", target: "127.0.0.10" },
        { name: "www.example.com", type: "A", target: "127.0.0.11" },
        { name: "www.example.com", type: "AAAA", target: "::1" },
        { name: "alias.example.com", type: "CNAME", target: "www.example.com" },
        { name: "outside.example.com", type: "CNAME", target: "elsewhere.test" },
        { name: "example.com", type: "MX", target: "10 mail.example.com" },
        { name: "mail.example.com", type: "A", target: "127.0.0.12" },
        { name: "example.com", type: "TXT", target: '"v=spf1 -all"' },
        { name: "_sip._tcp.example.com", type: "SRV", target: "1 10 5060 sip.example.com" },
        { name: "sub.example.com", type: "NS", target: "ns.other.test" },
        { name: "a.b.example.com", type: "A", target: "127.0.0.13" },
        ...bigTxt,
      ],
    },
  ]);
  port = await server.listen(0);
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
});
after(() => server.close());

async function udpQuery(packet: dnsPacket.Packet): Promise<Reply> {
  const sock = createSocket("udp4");
  try {
    const reply = new Promise<Buffer>((resolve) => sock.once("message", resolve));
    sock.send(dnsPacket.encode(packet), port, "127.0.0.1");
    return dnsPacket.decode(await reply) as Reply;
  } finally {
    sock.close();
  }
}

async function tcpQuery(packet: dnsPacket.Packet): Promise<Reply> {
  const sock = connect(port, "127.0.0.1");
  try {
    sock.write(dnsPacket.streamEncode(packet));
    let buf = Buffer.alloc(0);
    for await (const chunk of sock) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) break;
    }
    return dnsPacket.streamDecode(buf) as Reply;
  } finally {
    sock.destroy();
  }
}

type Reply = Omit<dnsPacket.DecodedPacket, "answers"> & { rcode: string; answers: Array<{ name: string; type: string; data: unknown }> };
const q = (name: string, type: dnsPacket.RecordType, extra: Partial<dnsPacket.Packet> = {}): dnsPacket.Packet => ({ type: "query", id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: "IN" }], ...extra });

test("DNS: A, AAAA, MX, TXT and SRV answers through node's resolver", async () => {
  assert.deepEqual(await resolver.resolve4("www.example.com"), ["127.0.0.11"]);
  assert.deepEqual(await resolver.resolve6("www.example.com"), ["::1"]);
  assert.deepEqual(await resolver.resolveMx("example.com"), [{ exchange: "mail.example.com", priority: 10 }]);
  assert.deepEqual(await resolver.resolveTxt("example.com"), [["v=spf1 -all"]]);
  assert.deepEqual(await resolver.resolveSrv("_sip._tcp.example.com"), [{ name: "sip.example.com", port: 5060, priority: 1, weight: 10 }]);
});

test("DNS: a CNAME is chased inside the zone", async () => {
  const res = await udpQuery(q("alias.example.com", "A"));
  assert.deepEqual(res.answers!.map((a) => [a.name, a.type, a.data]), [["alias.example.com", "CNAME", "www.example.com"], ["www.example.com", "A", "127.0.0.11"]]);
  const out = await udpQuery(q("outside.example.com", "A"));
  assert.equal(out.rcode, "NOERROR");
  assert.deepEqual(out.answers!.map((a) => a.type), ["CNAME"]);
});

test("DNS: SOA and NS at the apex, authoritative", async () => {
  const soa = await udpQuery(q("example.com", "SOA"));
  assert.equal(soa.flag_aa, true);
  assert.equal(soa.answers![0]!.type, "SOA");
  assert.equal((soa.answers![0] as dnsPacket.SoaAnswer).data.serial, 1234);
  assert.deepEqual((await resolver.resolveNs("example.com")).sort(), ["ns1.skyport.localhost", "ns2.skyport.localhost"]);
});

test("DNS: NXDOMAIN with the SOA in authority for an unknown name; NODATA for a known name without the type", async () => {
  const nx = await udpQuery(q("nope.example.com", "A"));
  assert.equal(nx.rcode, "NXDOMAIN");
  assert.equal(nx.authorities![0]!.type, "SOA");
  const nodata = await udpQuery(q("www.example.com", "MX"));
  assert.equal(nodata.rcode, "NOERROR");
  assert.equal(nodata.answers!.length, 0);
  assert.equal(nodata.authorities![0]!.type, "SOA");
  const interior = await udpQuery(q("b.example.com", "A"));
  assert.equal(interior.rcode, "NOERROR", "an empty non-terminal exists (RFC 8020)");
});

test("DNS: REFUSED for names outside every zone", async () => {
  const res = await udpQuery(q("example.org", "A"));
  assert.equal(res.rcode, "REFUSED");
  assert.equal(res.flag_aa, false);
});

test("DNS: answers over 512 bytes are truncated over UDP without EDNS, whole over TCP and with EDNS", async () => {
  const udp = await udpQuery(q("big.example.com", "TXT"));
  assert.equal(udp.flag_tc, true);
  assert.equal(udp.answers!.length, 0);
  const tcp = await tcpQuery(q("big.example.com", "TXT"));
  assert.equal(tcp.flag_tc, false);
  assert.equal(tcp.answers!.length, 12);
  const edns = await udpQuery(q("big.example.com", "TXT", { additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096, flags: 0 } as dnsPacket.OptAnswer] }));
  assert.equal(edns.flag_tc, false);
  assert.equal(edns.answers!.length, 12);
  assert.ok(edns.additionals!.some((a) => a.type === "OPT"));
});

test("DNS: the reply carries the query's id and echoes the question's case", async () => {
  const res = await udpQuery(q("WWW.Example.COM", "A", { id: 777 }));
  assert.equal(res.id, 777);
  assert.equal(res.questions![0]!.name, "WWW.Example.COM");
  assert.equal(res.answers![0]!.data, "127.0.0.11");
});

test("DNS: garbage gets FORMERR or no answer, and the server keeps answering", async () => {
  const sock = createSocket("udp4");
  try {
    const reply = new Promise<Buffer>((resolve) => sock.once("message", resolve));
    sock.send(Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc0]), port, "127.0.0.1");
    const b = await reply;
    assert.equal(b.readUInt16BE(0), 0x1234);
    assert.equal(b[3]! & 0x0f, 1, "FORMERR");
  } finally {
    sock.close();
  }
  assert.deepEqual(await resolver.resolve4("www.example.com"), ["127.0.0.11"]);
});

test("DNS: rebuilding the index changes the answers at once", async () => {
  zones.rebuild([{ domainName: "other.test", serial: 1, entries: [{ name: "x.other.test", type: "A", target: "127.0.0.99" }] }]);
  try {
    assert.deepEqual(await resolver.resolve4("x.other.test"), ["127.0.0.99"]);
    assert.equal((await udpQuery(q("www.example.com", "A"))).rcode, "REFUSED");
  } finally {
    zones.rebuild([]);
  }
});

test("DNS: dig gets the A record over UDP and TCP", { skip: !hasDig && "dig (dnsutils) is not installed" }, async () => {
  zones.rebuild([{ domainName: "dig.test", serial: 1, entries: [{ name: "www.dig.test", type: "A", target: "127.1.2.3" }] }]);
  const udp = await run("dig", ["+short", "@127.0.0.1", "-p", String(port), "www.dig.test", "A"]);
  assert.equal(udp.stdout.trim(), "127.1.2.3");
  const tcp = await run("dig", ["+tcp", "+short", "@127.0.0.1", "-p", String(port), "www.dig.test", "A"]);
  assert.equal(tcp.stdout.trim(), "127.1.2.3");
  const nx = await run("dig", ["@127.0.0.1", "-p", String(port), "nope.dig.test", "A"]);
  assert.match(nx.stdout, /status: NXDOMAIN/);
  assert.match(nx.stdout, /flags: qr aa rd/);
});

test("listen on a given port whose TCP side is taken: EADDRINUSE, no other port, and the UDP side is released", async () => {
  const { createServer } = await import("node:net");
  const blocker = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => blocker.once("listening", r));
  const taken = (blocker.address() as { port: number }).port;
  try {
    const other = new DnsServer(new ZoneIndex());
    await assert.rejects(other.listen(taken), (e: NodeJS.ErrnoException) => e.code === "EADDRINUSE");
    const udp = createSocket("udp4");
    await new Promise<void>((resolve, reject) => udp.once("error", reject).bind(taken, "127.0.0.1", () => resolve()));
    udp.close();
  } finally {
    blocker.close();
  }
});
