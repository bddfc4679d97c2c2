/** ECR test helpers: the SDK client, a token, and pushing the acceptance's busybox image with its python script. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import type { TestServer } from "../helpers/skyport.js";
import type { ServiceEnv } from "../../src/services/host.js";

export const run = promisify(execFile);
export const ACCOUNT = "000000000000";
export const OCI_PUSH = "/work/shared/acceptance/lib/oci_push.py";

export const ecrClient = (s: TestServer) => new ECRClient(s.clientConfig);
export const registryHost = (s: TestServer) => `${ACCOUNT}.dkr.ecr.us-east-1.localhost:${s.skyport.port}`;

export async function token(ecr: ECRClient): Promise<string> {
  const out = await ecr.send(new GetAuthorizationTokenCommand({}));
  return out.authorizationData![0]!.authorizationToken!;
}

/** Creates the repository and pushes a busybox image to repo:tag with the OCI distribution API; returns the manifest digest. */
export async function pushBusybox(s: TestServer, ecr: ECRClient, repo: string, tag: string): Promise<string> {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repo })).catch((e: Error) => {
    if (e.name !== "RepositoryAlreadyExistsException") throw e;
  });
  const { stdout } = await run("python3", [OCI_PUSH, String(s.skyport.port), registryHost(s), repo, tag, await token(ecr)]);
  return stdout.trim();
}

/** A raw request to the registry with the registry host header. */
export async function registry(s: TestServer, method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer | string; auth?: string | null } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== null) headers.Authorization = init.auth ?? "Basic " + Buffer.from("AWS:x").toString("base64");
  const { request } = await import("node:http");
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: s.skyport.port, method, path, headers: { ...headers, Host: registryHost(s) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** The in-process environment prepareImage takes, from a running test server (what Batch and Lightsail pass). */
export function serviceEnv(s: TestServer): ServiceEnv {
  const k = s.skyport;
  return { store: k.store, config: k.config, services: k.services, clock: { now: () => Date.now() } } as unknown as ServiceEnv;
}
