/**
 * Lightsail load balancers that really balance: an HTTP proxy on the balancer's own address spreading
 * requests over the attached instances that pass their health checks (reached on their private addresses:
 * the instance port need not be public), stickiness with the AWSALB cookie, 503 with no healthy target,
 * and the dnsName answered by Skyport's DNS server (also through a domain's alias entry), checked with
 * node's resolver. Instances need root, bubblewrap and busybox (skipped otherwise); validation does not.
 */
import assert from "node:assert/strict";
import { Resolver } from "node:dns/promises";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { after, before, test } from "node:test";
import {
  AttachInstancesToLoadBalancerCommand, CreateDomainCommand, CreateDomainEntryCommand, CreateInstancesCommand, CreateLoadBalancerCommand,
  DeleteInstanceCommand, DeleteLoadBalancerCommand, DetachInstancesFromLoadBalancerCommand, GetInstanceStateCommand, GetLoadBalancerCommand,
  GetLoadBalancersCommand, LightsailClient, StopInstanceCommand, UpdateLoadBalancerAttributeCommand,
} from "@aws-sdk/client-lightsail";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const can = process.getuid?.() === 0 && existsSync("/usr/bin/bwrap") && (existsSync("/bin/busybox") || existsSync("/usr/bin/busybox"));
let server: TestServer;
let ls: LightsailClient;
let resolver: Resolver;
before(async () => {
  server = await startServer({ "lightsail-blueprint-image": "debian_12=skyport:busybox", "lightsail-health-check-seconds": "1", "dns-port": "0" });
  ls = new LightsailClient(server.clientConfig);
  const provider = (await server.skyport.services.get("lightsail")) as unknown as { health(): { dns?: { port?: number } }; groups: Array<{ ready?: Promise<void> }> };
  await Promise.all(provider.groups.map((g) => g.ready));
  resolver = new Resolver();
  resolver.setServers([`127.0.0.1:${provider.health().dns!.port!}`]);
});
after(() => server?.stop());

const fails = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as { name: string; message: string };

/** GET http://ip/ → status, body and set-cookie. */
function get(ip: string, cookie?: string): Promise<{ status: number; body: string; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: 80, path: "/", agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d)).on("end", () => resolve({ status: res.statusCode!, body: body.trim(), cookie: res.headers["set-cookie"]?.[0]?.split(";")[0] }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function launch(name: string): Promise<void> {
  // busybox httpd on 8080, NOT opened publicly: the balancer reaches instances on their private addresses.
  const userData = `#!/bin/sh\nmkdir -p /www\necho ${name} > /www/index.html\necho ok > /www/health\nhttpd -p 8080 -h /www\n`;
  await ls.send(new CreateInstancesCommand({ instanceNames: [name], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0", userData }));
  await until(`${name} running`, async () => ((await ls.send(new GetInstanceStateCommand({ instanceName: name }))).state!.name === "running" ? true : undefined));
}

const healthOf = async (lb: string) => (await ls.send(new GetLoadBalancerCommand({ loadBalancerName: lb }))).loadBalancer!.instanceHealthSummary!;

test("CreateLoadBalancer: validation and not-yet-built parts answer AWS's errors", async () => {
  assert.equal((await fails(ls.send(new CreateLoadBalancerCommand({ loadBalancerName: uniqueName("lb"), instancePort: 0 })))).name, "InvalidInputException");
  assert.equal((await fails(ls.send(new CreateLoadBalancerCommand({ loadBalancerName: uniqueName("lb"), instancePort: 80, healthCheckPath: "health" })))).name, "InvalidInputException");
  assert.equal((await fails(ls.send(new CreateLoadBalancerCommand({ loadBalancerName: uniqueName("lb"), instancePort: 80, certificateName: "c", certificateDomainName: "example.com" })))).name, "NotImplementedException");
  assert.equal((await fails(ls.send(new GetLoadBalancerCommand({ loadBalancerName: "missing-lb" })))).name, "NotFoundException");
  const name = uniqueName("lb");
  await ls.send(new CreateLoadBalancerCommand({ loadBalancerName: name, instancePort: 8080 }));
  const e = await fails(ls.send(new UpdateLoadBalancerAttributeCommand({ loadBalancerName: name, attributeName: "HttpsRedirectionEnabled", attributeValue: "true" })));
  assert.equal(e.name, "InvalidInputException");
  assert.equal((await fails(ls.send(new AttachInstancesToLoadBalancerCommand({ loadBalancerName: name, instanceNames: ["no-such-instance"] })))).name, "NotFoundException");
  const lb = (await ls.send(new GetLoadBalancersCommand({}))).loadBalancers!.find((l) => l.name === name)!;
  assert.equal(lb.state, "active");
  assert.equal(lb.protocol, "HTTP");
  assert.deepEqual(lb.publicPorts, [80]);
  assert.equal(lb.healthCheckPath, "/");
  assert.match(lb.dnsName!, /^[0-9a-f]{32}-\d+\.us-east-1\.elb\.amazonaws\.com$/);
  assert.deepEqual(lb.configurationOptions, { SessionStickinessEnabled: "false", SessionStickiness_LB_CookieDurationSeconds: "86400" });
  // No target yet: the balancer itself answers 503.
  const [address] = await resolver.resolve4(lb.dnsName!);
  const r = await get(address!);
  assert.equal(r.status, 503);
  await ls.send(new DeleteLoadBalancerCommand({ loadBalancerName: name }));
  await assert.rejects(get(address!), /ECONNREFUSED/);
});

test("AttachInstancesToLoadBalancer: healthy instances share the traffic; stickiness, stopped and detached instances leave the rotation", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const a = uniqueName("lba");
  const b = uniqueName("lbb");
  const lb = uniqueName("lb");
  await Promise.all([launch(a), launch(b)]);
  try {
    await ls.send(new CreateLoadBalancerCommand({ loadBalancerName: lb, instancePort: 8080, healthCheckPath: "/health" }));
    const attach = await ls.send(new AttachInstancesToLoadBalancerCommand({ loadBalancerName: lb, instanceNames: [a, b] }));
    assert.equal(attach.operations![0]!.operationType, "AttachInstancesToLoadBalancer");
    await until("both healthy", async () => ((await healthOf(lb)).every((h) => h.instanceHealth === "healthy") ? true : undefined));
    const { dnsName } = (await ls.send(new GetLoadBalancerCommand({ loadBalancerName: lb }))).loadBalancer!;
    const [address] = await resolver.resolve4(dnsName!);

    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await get(address!)).body);
    assert.deepEqual([...seen].sort(), [a, b].sort());

    // A domain's alias entry to the balancer answers its address.
    const domain = `${uniqueName("d")}.example.com`;
    await ls.send(new CreateDomainCommand({ domainName: domain }));
    await ls.send(new CreateDomainEntryCommand({ domainName: domain, domainEntry: { name: `www.${domain}`, type: "A", target: dnsName, isAlias: true } }));
    assert.deepEqual(await resolver.resolve4(`www.${domain}`), [address]);

    // Stickiness: the AWSALB cookie keeps a client on one instance.
    await ls.send(new UpdateLoadBalancerAttributeCommand({ loadBalancerName: lb, attributeName: "SessionStickinessEnabled", attributeValue: "true" }));
    const first = await get(address!);
    assert.match(first.cookie ?? "", /^AWSALB=/);
    for (let i = 0; i < 3; i++) assert.equal((await get(address!, first.cookie)).body, first.body);

    // A stopped instance is unused (Instance.InvalidState) and gets no traffic.
    await ls.send(new StopInstanceCommand({ instanceName: b }));
    await until(`${b} stopped`, async () => ((await ls.send(new GetInstanceStateCommand({ instanceName: b }))).state!.name === "stopped" ? true : undefined));
    const hb = (await healthOf(lb)).find((h) => h.instanceName === b)!;
    assert.deepEqual([hb.instanceHealth, hb.instanceHealthReason], ["unused", "Instance.InvalidState"]);
    for (let i = 0; i < 3; i++) assert.equal((await get(address!)).body, a);

    // Detached, nothing is left: 503 from the balancer itself.
    await ls.send(new DetachInstancesFromLoadBalancerCommand({ loadBalancerName: lb, instanceNames: [a, b] }));
    assert.equal((await get(address!)).status, 503);
  } finally {
    await ls.send(new DeleteLoadBalancerCommand({ loadBalancerName: lb })).catch(() => undefined);
    for (const n of [a, b]) await ls.send(new DeleteInstanceCommand({ instanceName: n })).catch(() => undefined);
  }
});
