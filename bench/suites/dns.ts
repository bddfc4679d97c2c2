/**
 * Lightsail DNS (issue 17 target: ≥ 20,000 queries/s on 2 cores): Skyport's authoritative server on
 * --dns-port, loaded over UDP by a small in-process client keeping a window of queries in flight (a mix of
 * A hits, a CNAME chased, and NXDOMAIN). No peer serves Lightsail DNS, so the table has Skyport alone.
 * The load generator shares the machine's cores with the server: the figure is a floor.
 */
import { createSocket } from "node:dgram";
import * as dnsPacket from "dns-packet";
import { jsonCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { cpuMs, freePort, rssMb, startSkyport, stop } from "../lib/servers.js";
import type { BenchOptions } from "../run.js";

const ls = (op: string, body: unknown, base: string) => jsonCall(base, `Lightsail_20161128.${op}`, "lightsail", body, "1.1");

/** Sends queries round-robin keeping `window` in flight for `seconds`; returns answers/s and answers seen. */
async function udpLoad(port: number, queries: Buffer[], window: number, seconds: number): Promise<{ qps: number; answered: number; lost: number }> {
  const sock = createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  let answered = 0;
  let sent = 0;
  let i = 0;
  const end = Date.now() + seconds * 1000;
  let done = false;
  const send = () => {
    const q = Buffer.from(queries[i++ % queries.length]!);
    q.writeUInt16BE(sent++ & 0xffff, 0);
    sock.send(q, port, "127.0.0.1");
  };
  const finished = new Promise<void>((resolve) => {
    sock.on("message", () => {
      answered++;
      if (done) return;
      if (Date.now() >= end) {
        done = true;
        return resolve();
      }
      send();
    });
    // UDP may drop under load: top the window back up so the run never stalls.
    const refill = setInterval(() => {
      if (done) return clearInterval(refill);
      if (Date.now() >= end) {
        done = true;
        clearInterval(refill);
        return resolve();
      }
      while (sent - answered < window) send();
    }, 50);
  });
  const t0 = Date.now();
  for (let k = 0; k < window; k++) send();
  await finished;
  const elapsed = (Date.now() - t0) / 1000;
  sock.close();
  return { qps: Math.round(answered / elapsed), answered, lost: Math.max(0, sent - answered) };
}

export default async function run(opts: BenchOptions): Promise<string> {
  const dnsPort = await freePort();
  const s = await startSkyport(["--dns-port", String(dnsPort)]);
  try {
    await ls("CreateDomain", { domainName: "bench.example" }, s.url);
    await ls("CreateDomainEntry", { domainName: "bench.example", domainEntry: { name: "www.bench.example", type: "A", target: "127.0.0.80" } }, s.url);
    await ls("CreateDomainEntry", { domainName: "bench.example", domainEntry: { name: "alias.bench.example", type: "CNAME", target: "www.bench.example" } }, s.url);
    const mk = (name: string, type: dnsPacket.RecordType) => dnsPacket.encode({ type: "query", id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: "IN" }] });
    const mixes: Array<[string, Buffer[]]> = [
      ["A hit", [mk("www.bench.example", "A")]],
      ["mix: A, CNAME→A, NXDOMAIN, SOA", [mk("www.bench.example", "A"), mk("alias.bench.example", "A"), mk("nope.bench.example", "A"), mk("bench.example", "SOA")]],
    ];
    const rows: Row[] = [];
    for (const [name, queries] of mixes) {
      await udpLoad(dnsPort, queries, 64, 1); // warm-up
      const cpu0 = cpuMs(s.pid);
      const r = await udpLoad(dnsPort, queries, 64, opts.seconds);
      const cpu = ((cpuMs(s.pid) - cpu0) * 1000) / Math.max(1, r.answered);
      rows.push({ scenario: `DNS over UDP, ${name}, 64 in flight`, server: "skyport", values: { qps: r.qps, cpu: Math.round(cpu), lost: r.lost, rss: rssMb(s.pid) } });
    }
    return printTable("Lightsail DNS: authoritative answers", rows, [
      { key: "qps", label: "queries/s", higherIsBetter: true },
      { key: "cpu", label: "server CPU µs/query", higherIsBetter: false },
      { key: "lost", label: "unanswered", higherIsBetter: false },
      { key: "rss", label: "server RSS MB", higherIsBetter: false, digits: 1 },
    ]);
  } finally {
    await stop(s);
  }
}
