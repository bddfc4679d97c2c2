/**
 * Lightsail domains through the SDK v3 and the `aws` CLI, answered by Skyport's authoritative DNS server
 * (--dns-port) as a real resolver (node's dns.Resolver, and dig when installed) sees them.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import {
  CreateDomainCommand,
  CreateDomainEntryCommand,
  DeleteDomainCommand,
  DeleteDomainEntryCommand,
  GetDomainCommand,
  GetDomainsCommand,
  LightsailClient,
  UpdateDomainEntryCommand,
} from "@aws-sdk/client-lightsail";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const hasDig = await run("dig", ["-v"]).then(() => true, () => false);
let server: TestServer;
let ls: LightsailClient;
let resolver: Resolver;
let dnsPort = 0;

before(async () => {
  server = await startServer({ "dns-port": "0" });
  ls = new LightsailClient(server.clientConfig);
  await ls.send(new GetDomainsCommand({}));
  const health = (await server.skyport.services.health()) as { lightsail: { dns: { port: number } } };
  dnsPort = health.lightsail.dns.port;
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dnsPort}`]);
});
after(async () => {
  ls?.destroy();
  await server?.stop();
});

const rejects = async (p: Promise<unknown>, name: string, message?: RegExp) =>
  assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name);
    if (message) assert.match(e.message, message);
    return true;
  });

test("CreateDomain: the zone answers at once with its SOA and NS; GetDomain shows them as entries", async () => {
  const out = await ls.send(new CreateDomainCommand({ domainName: "one.example", tags: [{ key: "team", value: "web" }] }));
  assert.equal(out.operation?.operationType, "CreateDomain");
  assert.equal(out.operation?.status, "Succeeded");
  const d = (await ls.send(new GetDomainCommand({ domainName: "one.example" }))).domain!;
  assert.equal(d.name, "one.example");
  assert.match(d.arn!, /^arn:aws:lightsail:us-east-1:000000000000:Domain\//);
  assert.deepEqual(d.tags, [{ key: "team", value: "web" }]);
  assert.deepEqual(d.domainEntries!.map((e) => e.type).sort(), ["NS", "NS", "SOA"]);
  assert.deepEqual((await resolver.resolveNs("one.example")).sort(), ["ns1.skyport.localhost", "ns2.skyport.localhost"]);
  const soa = await resolver.resolveSoa("one.example");
  assert.equal(soa.hostmaster, "hostmaster.one.example");
});

test("CreateDomainEntry: A, AAAA, CNAME, MX, TXT and SRV entries are served", async () => {
  await ls.send(new CreateDomainCommand({ domainName: "two.example" }));
  const add = (name: string, type: string, target: string) => ls.send(new CreateDomainEntryCommand({ domainName: "two.example", domainEntry: { name, type, target } }));
  await add("www.two.example", "A", "127.0.0.21");
  await add("www.two.example", "AAAA", "fd00::21");
  await add("blog.two.example", "CNAME", "www.two.example");
  await add("two.example", "MX", "10 mail.two.example");
  await add("two.example", "TXT", '"v=spf1 -all"');
  await add("_xmpp._tcp.two.example", "SRV", "5 0 5222 www.two.example");
  assert.deepEqual(await resolver.resolve4("www.two.example"), ["127.0.0.21"]);
  assert.deepEqual(await resolver.resolve6("www.two.example"), ["fd00::21"]);
  assert.deepEqual(await resolver.resolve4("blog.two.example"), ["127.0.0.21"], "the CNAME is chased inside the zone");
  assert.deepEqual(await resolver.resolveMx("two.example"), [{ exchange: "mail.two.example", priority: 10 }]);
  assert.deepEqual(await resolver.resolveTxt("two.example"), [["v=spf1 -all"]]);
  assert.deepEqual(await resolver.resolveSrv("_xmpp._tcp.two.example"), [{ name: "www.two.example", port: 5222, priority: 5, weight: 0 }]);
  await assert.rejects(resolver.resolve4("nope.two.example"), (e: NodeJS.ErrnoException) => e.code === "ENOTFOUND");
});

test("UpdateDomainEntry: the new target is answered; DeleteDomainEntry: the name is gone", async () => {
  await ls.send(new CreateDomainCommand({ domainName: "three.example" }));
  await ls.send(new CreateDomainEntryCommand({ domainName: "three.example", domainEntry: { name: "api.three.example", type: "A", target: "127.0.0.31" } }));
  const entry = (await ls.send(new GetDomainCommand({ domainName: "three.example" }))).domain!.domainEntries!.find((e) => e.name === "api.three.example")!;
  assert.match(entry.id!, /^-?\d+$/);
  const up = await ls.send(new UpdateDomainEntryCommand({ domainName: "three.example", domainEntry: { id: entry.id, name: "api.three.example", type: "A", target: "127.0.0.32" } }));
  assert.equal(up.operations?.[0]?.operationType, "UpdateDomainEntry");
  assert.deepEqual(await resolver.resolve4("api.three.example"), ["127.0.0.32"]);
  await ls.send(new DeleteDomainEntryCommand({ domainName: "three.example", domainEntry: { name: "api.three.example", type: "A", target: "127.0.0.32" } }));
  await assert.rejects(resolver.resolve4("api.three.example"), (e: NodeJS.ErrnoException) => e.code === "ENOTFOUND");
});

test("DeleteDomain: the server stops answering for the zone (REFUSED)", async () => {
  await ls.send(new CreateDomainCommand({ domainName: "four.example" }));
  await ls.send(new CreateDomainEntryCommand({ domainName: "four.example", domainEntry: { name: "four.example", type: "A", target: "127.0.0.41" } }));
  assert.deepEqual(await resolver.resolve4("four.example"), ["127.0.0.41"]);
  await ls.send(new DeleteDomainCommand({ domainName: "four.example" }));
  await assert.rejects(resolver.resolve4("four.example"), (e: NodeJS.ErrnoException) => e.code === "EREFUSED");
  await rejects(ls.send(new GetDomainCommand({ domainName: "four.example" })), "NotFoundException");
});

test("CreateDomainEntry: invalid entries are refused with InvalidInputException", async () => {
  await ls.send(new CreateDomainCommand({ domainName: "five.example" }));
  const add = (name: string, type: string, target: string) => ls.send(new CreateDomainEntryCommand({ domainName: "five.example", domainEntry: { name, type, target } }));
  await rejects(add("www.five.example", "A", "not-an-ip"), "InvalidInputException", /IPv4/);
  await rejects(add("www.other.example", "A", "127.0.0.1"), "InvalidInputException", /not inside/);
  await rejects(add("www.five.example", "PTR", "x.example"), "InvalidInputException", /not supported/);
  await rejects(add("www.five.example", "SRV", "1 2 x.example"), "InvalidInputException", /SRV/);
  await add("www.five.example", "A", "127.0.0.51");
  await rejects(add("www.five.example", "CNAME", "five.example"), "InvalidInputException", /RRSet of type CNAME with DNS name www\.five\.example\. is not permitted/);
  await rejects(ls.send(new CreateDomainCommand({ domainName: "five.example" })), "InvalidInputException", /already exists/);
  await rejects(ls.send(new CreateDomainCommand({ domainName: "bad..example" })), "InvalidInputException");
  await rejects(ls.send(new CreateDomainEntryCommand({ domainName: "missing.example", domainEntry: { name: "a.missing.example", type: "A", target: "127.0.0.1" } })), "NotFoundException");
});

test("CreateDomainEntry: the aws CLI flow of the acceptance script, answered to dig", { skip: !hasDig && "dig (dnsutils) is not installed" }, async () => {
  const aws = (...args: string[]) => run("aws", ["lightsail", ...args, "--endpoint-url", server.endpoint], { env: cliEnv() });
  await aws("create-domain", "--domain-name", "demo.example");
  await aws("create-domain-entry", "--domain-name", "demo.example", "--domain-entry", "name=www.demo.example,type=A,target=127.0.0.61");
  const a = await run("dig", ["+short", "@127.0.0.1", "-p", String(dnsPort), "www.demo.example", "A"]);
  assert.equal(a.stdout.trim(), "127.0.0.61");
  const nx = await run("dig", ["@127.0.0.1", "-p", String(dnsPort), "nope.demo.example", "A"]);
  assert.match(nx.stdout, /status: NXDOMAIN/);
  const list = JSON.parse((await aws("get-domains")).stdout) as { domains: Array<{ name: string }> };
  assert.ok(list.domains.some((d) => d.name === "demo.example"));
});
