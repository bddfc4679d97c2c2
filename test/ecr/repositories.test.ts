/**
 * ECR's control plane through the SDK v3 ECRClient and the aws CLI. Error codes and messages as ECR gives them
 * (API reference "Errors" sections; messages as observed from ECR).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BatchCheckLayerAvailabilityCommand, BatchDeleteImageCommand, BatchGetImageCommand, CompleteLayerUploadCommand, CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand, DeleteRepositoryCommand, DeleteRepositoryPolicyCommand, DescribeImagesCommand, DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand, GetLifecyclePolicyCommand, GetRepositoryPolicyCommand, InitiateLayerUploadCommand, ListImagesCommand,
  ListTagsForResourceCommand, PutImageCommand, PutImageTagMutabilityCommand, PutLifecyclePolicyCommand, SetRepositoryPolicyCommand,
  TagResourceCommand, UntagResourceCommand, UploadLayerPartCommand, type ECRClient,
} from "@aws-sdk/client-ecr";
import { createHash } from "node:crypto";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { ecrClient, pushBusybox, run } from "./helpers.js";

let server: TestServer;
let ecr: ECRClient;
before(async () => {
  server = await startServer();
  ecr = ecrClient(server);
});
after(() => server.stop());

const sha = (b: Buffer | string) => "sha256:" + createHash("sha256").update(b).digest("hex");
const rejects = (p: Promise<unknown>, name: string, message?: RegExp) => assert.rejects(p, (e: Error) => e.name === name && (!message || message.test(e.message)));

test("CreateRepository: returns the ARN, a pushable URI and the defaults; a second create is RepositoryAlreadyExistsException", async () => {
  const name = uniqueName("team/app");
  const r = (await ecr.send(new CreateRepositoryCommand({ repositoryName: name }))).repository!;
  assert.equal(r.repositoryArn, `arn:aws:ecr:us-east-1:000000000000:repository/${name}`);
  assert.equal(r.repositoryUri, `000000000000.dkr.ecr.us-east-1.localhost:${server.skyport.port}/${name}`);
  assert.equal(r.imageTagMutability, "MUTABLE");
  assert.deepEqual(r.encryptionConfiguration, { encryptionType: "AES256" });
  await rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: name })), "RepositoryAlreadyExistsException", new RegExp(`The repository with name '${name}' already exists in the registry with id '000000000000'`));
  await rejects(ecr.send(new CreateRepositoryCommand({ repositoryName: "Bad_Name" })), "InvalidParameterException");
});

test("DescribeRepositories: by name (missing → RepositoryNotFoundException) and paginated", async () => {
  const names = [uniqueName("page"), uniqueName("page"), uniqueName("page")];
  for (const n of names) await ecr.send(new CreateRepositoryCommand({ repositoryName: n }));
  await rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["does-not-exist"] })), "RepositoryNotFoundException", /The repository with name 'does-not-exist' does not exist in the registry with id '000000000000'/);
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken: token }));
    assert.ok(page.repositories!.length <= 2);
    seen.push(...page.repositories!.map((r) => r.repositoryName!));
    token = page.nextToken;
  } while (token);
  for (const n of names) assert.ok(seen.includes(n));
});

test("DeleteRepository: a repository with images needs force (RepositoryNotEmptyException)", async () => {
  const name = uniqueName("del");
  await pushBusybox(server, ecr, name, "v1");
  await rejects(ecr.send(new DeleteRepositoryCommand({ repositoryName: name })), "RepositoryNotEmptyException");
  await ecr.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
  await rejects(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })), "RepositoryNotFoundException");
});

test("SetRepositoryPolicy: stored and returned; Get after Delete is RepositoryPolicyNotFoundException", async () => {
  const name = uniqueName("pol");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  const policyText = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "pull", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] }] });
  await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: name, policyText }));
  assert.equal((await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: name }))).policyText, policyText);
  await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: name }));
  await rejects(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: name })), "RepositoryPolicyNotFoundException");
  await rejects(ecr.send(new SetRepositoryPolicyCommand({ repositoryName: name, policyText: "{not json" })), "InvalidParameterException");
});

test("PutLifecyclePolicy: stored; Get after Delete is LifecyclePolicyNotFoundException", async () => {
  const name = uniqueName("life");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  const text = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }, action: { type: "expire" } }] });
  await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: text }));
  assert.equal((await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name }))).lifecyclePolicyText, text);
  await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: name }));
  await rejects(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name })), "LifecyclePolicyNotFoundException");
});

test("TagResource: tags added, listed and removed by the repository ARN", async () => {
  const name = uniqueName("tags");
  const arn = (await ecr.send(new CreateRepositoryCommand({ repositoryName: name, tags: [{ Key: "team", Value: "a" }] }))).repository!.repositoryArn!;
  await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: "env", Value: "dev" }, { Key: "team", Value: "b" }] }));
  assert.deepEqual((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: "team", Value: "b" }, { Key: "env", Value: "dev" }]);
  await ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["team"] }));
  assert.deepEqual((await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: "env", Value: "dev" }]);
  await rejects(ecr.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:s3:::bucket" })), "InvalidParameterException");
});

test("GetAuthorizationToken: base64 of AWS:<token>, a proxy endpoint on this port, 12 hours", async () => {
  const d = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!;
  assert.match(Buffer.from(d.authorizationToken!, "base64").toString(), /^AWS:\S+$/);
  assert.equal(d.proxyEndpoint, `http://000000000000.dkr.ecr.us-east-1.localhost:${server.skyport.port}`);
  assert.ok(d.expiresAt!.getTime() - Date.now() > 11 * 3600_000);
});

test("PutImage: an IMMUTABLE repository refuses to move a tag; the same push again is ImageAlreadyExistsException", async () => {
  const name = uniqueName("put");
  const digest = await pushBusybox(server, ecr, name, "v1");
  const got = await ecr.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "v1" }, { imageTag: "nope" }] }));
  assert.equal(got.images!.length, 1);
  assert.deepEqual(got.failures, [{ imageId: { imageTag: "nope" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }]);
  const manifest = got.images![0]!.imageManifest!;
  const out = await ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: "v2" }));
  assert.equal(out.image!.imageId!.imageDigest, digest);
  await rejects(ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: "v2" })), "ImageAlreadyExistsException");
  await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: "IMMUTABLE" }));
  const other = JSON.stringify({ ...JSON.parse(manifest), annotations: { x: "y" } });
  await rejects(ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: other, imageTag: "v1" })), "ImageTagAlreadyExistsException", /The image tag 'v1' already exists in the '.*' repository and cannot be overwritten because the repository is immutable/);
  await rejects(ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { digest: sha("x"), size: 1 }, layers: [] }), imageTag: "v3" })), "LayersNotFoundException");
});

test("ListImages: one entry per tag plus untagged digests, filtered and paginated; DescribeImages of a missing tag is ImageNotFoundException", async () => {
  const name = uniqueName("list");
  const digest = await pushBusybox(server, ecr, name, "a");
  const manifest = (await ecr.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }] }))).images![0]!.imageManifest!;
  await ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: "b" }));
  const untagged = JSON.stringify({ ...JSON.parse(manifest), annotations: { v: "2" } });
  await ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: untagged }));
  const all = await ecr.send(new ListImagesCommand({ repositoryName: name }));
  assert.deepEqual(all.imageIds!.filter((i) => i.imageDigest === digest).map((i) => i.imageTag).sort(), ["a", "b"]);
  assert.equal(all.imageIds!.length, 3);
  const onlyUntagged = await ecr.send(new ListImagesCommand({ repositoryName: name, filter: { tagStatus: "UNTAGGED" } }));
  assert.deepEqual(onlyUntagged.imageIds, [{ imageDigest: sha(untagged) }]);
  const p1 = await ecr.send(new ListImagesCommand({ repositoryName: name, maxResults: 2 }));
  const p2 = await ecr.send(new ListImagesCommand({ repositoryName: name, maxResults: 2, nextToken: p1.nextToken }));
  assert.equal(p1.imageIds!.length + p2.imageIds!.length, 3);
  assert.equal(p2.nextToken, undefined);
  const d = await ecr.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }] }));
  assert.deepEqual(d.imageDetails![0]!.imageTags, ["a", "b"]);
  await rejects(ecr.send(new DescribeImagesCommand({ repositoryName: name, imageIds: [{ imageTag: "zzz" }] })), "ImageNotFoundException");
});

test("BatchDeleteImage: deleting a tag keeps the image while another tag names it; by digest removes it with its tags", async () => {
  const name = uniqueName("bdel");
  const digest = await pushBusybox(server, ecr, name, "a");
  const manifest = (await ecr.send(new BatchGetImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }] }))).images![0]!.imageManifest!;
  await ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: "b" }));
  const r1 = await ecr.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageTag: "a" }] }));
  assert.deepEqual(r1.imageIds, [{ imageDigest: digest, imageTag: "a" }]);
  assert.equal((await ecr.send(new DescribeImagesCommand({ repositoryName: name }))).imageDetails!.length, 1);
  const r2 = await ecr.send(new BatchDeleteImageCommand({ repositoryName: name, imageIds: [{ imageDigest: digest }, { imageTag: "gone" }] }));
  assert.deepEqual(r2.imageIds, [{ imageDigest: digest, imageTag: "b" }]);
  assert.equal(r2.failures![0]!.failureCode, "ImageNotFound");
  assert.equal((await ecr.send(new DescribeImagesCommand({ repositoryName: name }))).imageDetails!.length, 0);
});

test("CompleteLayerUpload: a layer uploaded in parts through the API becomes available; a wrong digest is InvalidLayerException", async () => {
  const name = uniqueName("layer");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  const data = Buffer.from("layer-bytes-".repeat(100));
  const up = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: name }));
  await ecr.send(new UploadLayerPartCommand({ repositoryName: name, uploadId: up.uploadId!, partFirstByte: 0, partLastByte: 599, layerPartBlob: data.subarray(0, 600) }));
  await rejects(ecr.send(new UploadLayerPartCommand({ repositoryName: name, uploadId: up.uploadId!, partFirstByte: 0, partLastByte: 599, layerPartBlob: data.subarray(600) })), "InvalidLayerPartException");
  await ecr.send(new UploadLayerPartCommand({ repositoryName: name, uploadId: up.uploadId!, partFirstByte: 600, partLastByte: 1199, layerPartBlob: data.subarray(600) }));
  await rejects(ecr.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId: up.uploadId!, layerDigests: [sha("other")] })), "InvalidLayerException");
  const done = await ecr.send(new CompleteLayerUploadCommand({ repositoryName: name, uploadId: up.uploadId!, layerDigests: [sha(data)] }));
  assert.equal(done.layerDigest, sha(data));
  const avail = await ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: name, layerDigests: [sha(data), sha("absent")] }));
  assert.deepEqual(avail.layers, [{ layerDigest: sha(data), layerAvailability: "AVAILABLE", layerSize: 1200 }, { layerDigest: sha("absent"), layerAvailability: "UNAVAILABLE" }]);
});

test("DescribeImages: aws ecr describe-images shows the pushed tag (CLI)", async () => {
  const name = uniqueName("cli");
  await pushBusybox(server, ecr, name, "v1");
  const { stdout } = await run("aws", ["ecr", "describe-images", "--repository-name", name, "--query", "imageDetails[0].imageTags[0]", "--output", "text", "--endpoint-url", server.endpoint], { env: cliEnv() });
  assert.equal(stdout.trim(), "v1");
});
