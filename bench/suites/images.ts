/**
 * Images (issue 13): push of a busybox image (~1 MB gzip layer) through the OCI distribution API, the cold
 * pull + unpack of a freshly pushed image by `prepareImage`, and the cached prepare (what a Batch job or
 * Lightsail instance start pays once the image is unpacked). Skyport only: the peers (LocalStack's ECR needs
 * Docker, moto stores manifests only) have no equivalent here. In process (prepareImage is an internal API),
 * timed with performance.now(), `--seconds` bounds the repetitions.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { printTable, type Row } from "../lib/report.js";
import type { BenchOptions } from "../run.js";
import { startTestSkyport } from "../../src/server/skyport.js";
import { prepareImage } from "../../src/images/index.js";
import type { ServiceEnv } from "../../src/services/host.js";

const sha = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

async function layer(): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on("end", () => r()));
  const busybox = readFileSync("/bin/busybox");
  p.entry({ name: "bin/busybox", mode: 0o755, size: busybox.length }, busybox);
  for (const app of ["sh", "echo", "cat", "ls"]) p.entry({ name: `bin/${app}`, type: "symlink", linkname: "busybox" });
  p.entry({ name: "etc/nonce" }, randomBytes(16).toString("hex")); // a new digest per image: cold every time
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

function call(port: number, host: string, method: string, path: string, body?: Buffer, type?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { Host: host, Authorization: "Basic QVdTOng=", ...(type ? { "Content-Type": type } : {}) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function push(port: number, host: string, tag: string, l: Buffer): Promise<number> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["sh"] }, rootfs: { type: "layers", diff_ids: [] } }));
  for (const b of [l, config]) if ((await call(port, host, "POST", `/v2/bench/blobs/uploads/?digest=${sha(b)}`, b)) !== 201) throw new Error("blob push failed");
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(l), size: l.length }] }));
  if ((await call(port, host, "PUT", `/v2/bench/manifests/${tag}`, manifest, "application/vnd.oci.image.manifest.v1+json")) !== 201) throw new Error("manifest push failed");
  return l.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function run(opts: BenchOptions): Promise<string> {
  const s = await startTestSkyport();
  const env = { store: s.store, config: s.config, services: s.services, clock: { now: () => Date.now() } } as unknown as ServiceEnv;
  const host = `000000000000.dkr.ecr.us-east-1.localhost:${s.port}`;
  const rows: Row[] = [];
  try {
    const ecr = (await s.services.get("ecr")) as { CreateRepository(ctx: unknown, i: unknown): unknown };
    ecr.CreateRepository({ accountId: "000000000000", region: "us-east-1", clock: { now: () => Date.now() }, endpoint: `http://127.0.0.1:${s.port}` }, { repositoryName: "bench" });
    const pushes: number[] = [];
    const cold: number[] = [];
    const cached: number[] = [];
    let bytes = 0;
    const deadline = performance.now() + opts.seconds * 1000;
    for (let i = 0; i < 3 || (performance.now() < deadline && i < 50); i++) {
      const l = await layer();
      let t = performance.now();
      bytes = await push(s.port, host, `t${i}`, l);
      pushes.push(performance.now() - t);
      t = performance.now();
      await prepareImage(env, `bench:t${i}`);
      cold.push(performance.now() - t);
      for (let k = 0; k < 10; k++) {
        t = performance.now();
        await prepareImage(env, `bench:t${i}`);
        cached.push(performance.now() - t);
      }
    }
    const mb = bytes / 1024 / 1024;
    rows.push({ scenario: `push (${mb.toFixed(1)} MB layer + config + manifest)`, server: "skyport", values: { ms: median(pushes), n: pushes.length } });
    rows.push({ scenario: "prepareImage cold (resolve + verify + unpack)", server: "skyport", values: { ms: median(cold), n: cold.length } });
    rows.push({ scenario: "prepareImage cached", server: "skyport", values: { ms: median(cached), n: cached.length } });
  } finally {
    await s.close();
  }
  return printTable("Images: push, pull + unpack, cached prepare", rows, [
    { key: "ms", label: "median ms", higherIsBetter: false, digits: 2 },
    { key: "n", label: "samples", higherIsBetter: true },
  ]);
}
