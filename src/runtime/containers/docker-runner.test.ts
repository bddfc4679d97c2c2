/**
 * Docker runner request building (no engine here): the Engine API's container-create body, pull request and
 * log stream framing, from Docker's Engine API reference (v1.41: ContainerCreate, ImageCreate, ContainerAttach).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { demuxDockerStream, dockerCreateRequest, dockerPullRequest } from "./docker-runner.js";

test("dockerCreateRequest: image, command, env merged over the image's, limits, no capabilities", () => {
  const r = dockerCreateRequest({ id: "job-1:0", image: { digest: "sha256:abc", rootfs: "/x", ref: "busy:v1", config: { Env: ["PATH=/bin", "A=image"] } }, command: ["sh", "-c", "echo"], env: { A: "job" }, vcpus: 0.5, memoryMb: 128, user: "1000", onLine: () => {} });
  assert.equal(r.method, "POST");
  assert.equal(r.path, "/v1.41/containers/create?name=skyport-job-1_0");
  const body = r.body as Record<string, any>;
  assert.equal(body.Image, "busy:v1");
  assert.deepEqual(body.Cmd, ["sh", "-c", "echo"]);
  assert.deepEqual(body.Env, ["PATH=/bin", "A=job"]);
  assert.equal(body.User, "1000");
  assert.equal(body.HostConfig.NanoCpus, 500_000_000);
  assert.equal(body.HostConfig.Memory, 128 * 1024 * 1024);
  assert.deepEqual(body.HostConfig.CapDrop, ["ALL"]);
});

test("dockerPullRequest: tag, digest and default tag", () => {
  const cases: Array<[string, string]> = [
    ["busybox", "/v1.41/images/create?fromImage=busybox&tag=latest"],
    ["localhost:5000/a/b:v2", "/v1.41/images/create?fromImage=localhost%3A5000%2Fa%2Fb&tag=v2"],
    ["localhost:5000/a", "/v1.41/images/create?fromImage=localhost%3A5000%2Fa&tag=latest"],
    ["a@sha256:00", "/v1.41/images/create?fromImage=a&tag=sha256%3A00"],
  ];
  for (const [ref, path] of cases) assert.equal(dockerPullRequest(ref).path, path, ref);
});

test("demuxDockerStream: frames by stream, an incomplete frame kept for the next chunk", () => {
  const frame = (s: number, text: string) => Buffer.concat([Buffer.from([s, 0, 0, 0]), Buffer.from([0, 0, 0, text.length]), Buffer.from(text)]);
  const all = Buffer.concat([frame(1, "out\n"), frame(2, "err\n"), frame(1, "partial")]);
  const { frames, rest } = demuxDockerStream(all.subarray(0, all.length - 3));
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [["stdout", "out\n"], ["stderr", "err\n"]]);
  assert.equal(rest.length, 8 + 4);
});
