/** Lightsail catalogue, key pairs, tags and operations through the SDK v3 LightsailClient. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPublicKey } from "node:crypto";
import {
  LightsailClient, GetBlueprintsCommand, GetBundlesCommand, GetRegionsCommand, CreateKeyPairCommand, GetKeyPairCommand,
  GetKeyPairsCommand, DeleteKeyPairCommand, ImportKeyPairCommand, DownloadDefaultKeyPairCommand, TagResourceCommand,
  GetOperationCommand, NotFoundException, InvalidInputException,
} from "@aws-sdk/client-lightsail";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let ls: LightsailClient;
before(async () => {
  server = await startServer();
  ls = new LightsailClient(server.clientConfig);
});
after(() => server.stop());

test("GetBlueprints: OS and app blueprints with AWS's fields", async () => {
  const { blueprints } = await ls.send(new GetBlueprintsCommand({}));
  const ids = blueprints!.map((b) => b.blueprintId);
  for (const id of ["debian_12", "ubuntu_22_04", "ubuntu_24_04", "amazon_linux_2023", "nodejs", "nginx", "wordpress"]) assert.ok(ids.includes(id), id);
  const debian = blueprints!.find((b) => b.blueprintId === "debian_12")!;
  assert.equal(debian.type, "os");
  assert.equal(debian.platform, "LINUX_UNIX");
  assert.equal(blueprints!.find((b) => b.blueprintId === "nodejs")!.type, "app");
});

test("GetBundles: AWS's price list with IPv6-only bundles", async () => {
  const { bundles } = await ls.send(new GetBundlesCommand({}));
  const nano = bundles!.find((b) => b.bundleId === "nano_3_0")!;
  assert.deepEqual(
    [nano.price, nano.cpuCount, nano.ramSizeInGb, nano.diskSizeInGb, nano.transferPerMonthInGb, nano.publicIpv4AddressCount, nano.supportedPlatforms],
    [5, 2, 0.5, 20, 1024, 1, ["LINUX_UNIX"]],
  );
  const v6 = bundles!.find((b) => b.bundleId === "nano_ipv6_3_0")!;
  assert.equal(v6.publicIpv4AddressCount, 0);
  assert.equal(v6.price, 3.5);
});

test("GetRegions: availability zones only when asked", async () => {
  const plain = await ls.send(new GetRegionsCommand({}));
  const east = plain.regions!.find((r) => r.name === "us-east-1")!;
  assert.equal(east.displayName, "Virginia");
  assert.equal(east.availabilityZones, undefined);
  const zoned = await ls.send(new GetRegionsCommand({ includeAvailabilityZones: true }));
  assert.deepEqual(zoned.regions!.find((r) => r.name === "us-east-1")!.availabilityZones!.map((z) => z.zoneName).slice(0, 2), ["us-east-1a", "us-east-1b"]);
});

test("CreateKeyPair: returns an RSA private key once, the public key and an operation", async () => {
  const name = uniqueName("kp");
  const out = await ls.send(new CreateKeyPairCommand({ keyPairName: name, tags: [{ key: "team", value: "web" }] }));
  assert.match(out.privateKeyBase64!, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  assert.match(out.publicKeyBase64!, /^ssh-rsa AAAA/);
  assert.equal(out.operation!.status, "Succeeded");
  assert.equal(out.operation!.operationType, "CreateKeyPair");
  assert.match(out.keyPair!.arn!, /^arn:aws:lightsail:us-east-1:\d{12}:KeyPair\/[0-9a-f-]{36}$/);
  const got = await ls.send(new GetKeyPairCommand({ keyPairName: name }));
  assert.equal(got.keyPair!.fingerprint, out.keyPair!.fingerprint);
  assert.deepEqual(got.keyPair!.tags, [{ key: "team", value: "web" }]);
  assert.equal((got as unknown as Record<string, unknown>).privateKeyBase64, undefined);
  const op = await ls.send(new GetOperationCommand({ operationId: out.operation!.id! }));
  assert.equal(op.operation!.resourceName, name);
  await assert.rejects(ls.send(new CreateKeyPairCommand({ keyPairName: name })), InvalidInputException);
});

test("ImportKeyPair: an OpenSSH public key is listed; DeleteKeyPair removes it", async () => {
  const name = uniqueName("imp");
  const { publicKeyBase64, privateKeyBase64 } = await ls.send(new CreateKeyPairCommand({ keyPairName: uniqueName("src") }));
  assert.equal(createPublicKey({ key: privateKeyBase64!, format: "pem" }).asymmetricKeyType, "rsa");
  await ls.send(new ImportKeyPairCommand({ keyPairName: name, publicKeyBase64: publicKeyBase64! }));
  const list = await ls.send(new GetKeyPairsCommand({}));
  assert.ok(list.keyPairs!.some((k) => k.name === name));
  await assert.rejects(ls.send(new ImportKeyPairCommand({ keyPairName: uniqueName("bad"), publicKeyBase64: "not a key" })), InvalidInputException);
  await assert.rejects(ls.send(new DeleteKeyPairCommand({ keyPairName: name, expectedFingerprint: "00:11" })), InvalidInputException);
  await ls.send(new DeleteKeyPairCommand({ keyPairName: name }));
  await assert.rejects(ls.send(new GetKeyPairCommand({ keyPairName: name })), NotFoundException);
});

test("DownloadDefaultKeyPair: the same default key every time, listed only with includeDefaultKeyPair", async () => {
  const a = await ls.send(new DownloadDefaultKeyPairCommand({}));
  const b = await ls.send(new DownloadDefaultKeyPairCommand({}));
  assert.match(a.privateKeyBase64!, /BEGIN RSA PRIVATE KEY/);
  assert.equal(a.publicKeyBase64, b.publicKeyBase64);
  assert.ok(!(await ls.send(new GetKeyPairsCommand({}))).keyPairs!.some((k) => k.name === "LightsailDefaultKeyPair"));
  assert.ok((await ls.send(new GetKeyPairsCommand({ includeDefaultKeyPair: true }))).keyPairs!.some((k) => k.name === "LightsailDefaultKeyPair"));
});

test("TagResource: adds tags to a key pair by name; unknown names are NotFound", async () => {
  const name = uniqueName("tag");
  await ls.send(new CreateKeyPairCommand({ keyPairName: name }));
  await ls.send(new TagResourceCommand({ resourceName: name, tags: [{ key: "a", value: "1" }] }));
  assert.deepEqual((await ls.send(new GetKeyPairCommand({ keyPairName: name }))).keyPair!.tags, [{ key: "a", value: "1" }]);
  await assert.rejects(ls.send(new TagResourceCommand({ resourceName: uniqueName("none"), tags: [{ key: "a" }] })), NotFoundException);
});
