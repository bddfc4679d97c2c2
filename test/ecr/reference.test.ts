/**
 * Image reference grammar (distribution/reference's rules, as `docker pull` reads names), the transports
 * skopeo writes (containers/image: oci-archive:PATH[:REF], docker-archive:PATH[:REF], split at the first ":"),
 * and WWW-Authenticate challenges as registries send them (Docker Hub's, GHCR's, ECR's).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseChallenge, parseReference, registryHost } from "../../src/images/reference.js";
import { choosePlatform } from "../../src/images/media.js";

const D = "sha256:" + "a".repeat(64);
const CASES: Array<[string, Record<string, unknown>]> = [
  ["busybox", { kind: "registry", domain: "docker.io", path: "library/busybox", tag: "latest" }],
  ["busybox:1.36", { domain: "docker.io", path: "library/busybox", tag: "1.36" }],
  ["user/app", { domain: "docker.io", path: "user/app", tag: "latest" }],
  ["docker.io/library/alpine:3", { domain: "docker.io", path: "library/alpine", tag: "3", explicitDomain: true }],
  ["index.docker.io/alpine", { domain: "docker.io", path: "library/alpine" }],
  ["public.ecr.aws/docker/library/node:20", { domain: "public.ecr.aws", path: "docker/library/node", tag: "20" }],
  ["ghcr.io/org/tool@" + D, { domain: "ghcr.io", path: "org/tool", digest: D, tag: undefined }],
  ["localhost:4566/team/app:v1", { domain: "localhost:4566", path: "team/app", tag: "v1" }],
  ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc:prod", { path: "svc", tag: "prod", ecr: { account: "123456789012", region: "eu-west-1" } }],
  ["000000000000.dkr.ecr.us-east-1.localhost:4566/busy:v1", { path: "busy", ecr: { account: "000000000000", region: "us-east-1" } }],
  ["app:v1@" + D, { path: "library/app", tag: "v1", digest: D }],
  ["oci-archive:/tmp/img.tar", { kind: "oci-archive", file: "/tmp/img.tar", ref: undefined }],
  ["oci-archive:/tmp/img.tar:v1", { kind: "oci-archive", file: "/tmp/img.tar", ref: "v1" }],
  ["docker-archive:/tmp/x.tar:busy:v1", { kind: "docker-archive", file: "/tmp/x.tar", ref: "busy:v1" }],
];

for (const [input, expected] of CASES) {
  test(`parseReference: ${input}`, () => {
    const got = parseReference(input) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(got[k], v, k);
  });
}

for (const bad of ["", "UPPER/case", "app:", "app@sha256:short", "a//b", "app:" + "x".repeat(200), "-lead"]) {
  test(`parseReference: "${bad.slice(0, 30)}" is refused`, () => assert.throws(() => parseReference(bad)));
}

test("registryHost: Docker Hub's API lives at registry-1.docker.io", () => {
  assert.equal(registryHost("docker.io"), "registry-1.docker.io");
  assert.equal(registryHost("ghcr.io"), "ghcr.io");
});

test("parseChallenge: Docker Hub's Bearer challenge", () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: "bearer",
    params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" },
  });
});

test("parseChallenge: ECR's Basic challenge, unquoted values and escapes", () => {
  assert.deepEqual(parseChallenge('Basic realm="https://1.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"')?.params.service, "ecr.amazonaws.com");
  assert.deepEqual(parseChallenge('Bearer realm=https://ghcr.io/token, service=ghcr.io, scope="a\\"b"')?.params, { realm: "https://ghcr.io/token", service: "ghcr.io", scope: 'a"b' });
  assert.equal(parseChallenge(""), undefined);
});

test("choosePlatform: exact os/arch/variant, then os/arch; attestation manifests (unknown/unknown) ignored", () => {
  const m = (arch: string, variant?: string, os = "linux") => ({ digest: D, size: 1, platform: { os, architecture: arch, variant } });
  const list = [m("unknown", undefined, "unknown"), m("arm", "v7"), m("arm64", "v8"), m("amd64")];
  assert.equal(choosePlatform(list, "linux/amd64"), list[3]);
  assert.equal(choosePlatform(list, "linux/arm64"), list[2]);
  assert.equal(choosePlatform(list, "linux/arm/v7"), list[1]);
  assert.equal(choosePlatform(list, "linux/s390x"), undefined);
});
