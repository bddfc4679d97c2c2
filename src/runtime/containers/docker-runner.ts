/**
 * The Docker runner: the same interface over the Docker Engine API (v1.41+) on /var/run/docker.sock. Used
 * only when the socket answers and the compute environment asks for it (tag `skyport:runner=docker`). The
 * image is pulled by its reference (Docker's own registry auth applies); output is read from the attached
 * log stream (multiplexed frames); limits map to HostConfig (NanoCpus, Memory). Request building is pure
 * (dockerCreateRequest) so it is unit-tested without an engine.
 */
import { request } from "node:http";
import { containerEnv, type ContainerExit, type ContainerHandle, type ContainerRunner, type ContainerSpec } from "./types.js";

export const DOCKER_SOCKET = "/var/run/docker.sock";
const API = "/v1.41";

export interface DockerRequest {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
}

/** The POST /containers/create request of a container spec. */
export function dockerCreateRequest(spec: ContainerSpec): DockerRequest {
  const ref = spec.image.ref ?? spec.image.digest;
  const env = containerEnv({ Env: spec.image.config.Env }, spec.env);
  const body: Record<string, unknown> = {
    Image: ref,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { "skyport.run": spec.id },
    Hostname: spec.hostname,
    HostConfig: {
      NanoCpus: spec.vcpus ? Math.round(spec.vcpus * 1e9) : undefined,
      Memory: spec.memoryMb ? spec.memoryMb * 1024 * 1024 : undefined,
      MemorySwap: spec.memoryMb ? spec.memoryMb * 1024 * 1024 : undefined,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      Tmpfs: { "/tmp": `rw,size=${(spec.tmpMb ?? 512)}m` },
      NetworkMode: "host",
    },
  };
  if (spec.command?.length) body.Cmd = spec.command;
  if (spec.user) body.User = spec.user;
  return { method: "POST", path: `${API}/containers/create?name=${encodeURIComponent(`skyport-${spec.id.replace(/[^A-Za-z0-9_.-]/g, "_")}`)}`, body };
}

/** The pull request of an image reference (POST /images/create?fromImage=…&tag=…). */
export function dockerPullRequest(ref: string): DockerRequest {
  const at = ref.indexOf("@");
  const colon = ref.lastIndexOf(":");
  const [image, tag] = at >= 0 ? [ref.slice(0, at), ref.slice(at + 1)] : colon > ref.lastIndexOf("/") ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, "latest"];
  return { method: "POST", path: `${API}/images/create?fromImage=${encodeURIComponent(image)}&tag=${encodeURIComponent(tag)}` };
}

/** Splits Docker's multiplexed log stream (8-byte headers: stream, 0, 0, 0, size BE32) into chunks. */
export function demuxDockerStream(buf: Buffer): { frames: Array<{ stream: "stdout" | "stderr"; data: Buffer }>; rest: Buffer } {
  const frames: Array<{ stream: "stdout" | "stderr"; data: Buffer }> = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const size = buf.readUInt32BE(off + 4);
    if (buf.length - off - 8 < size) break;
    frames.push({ stream: buf[off] === 2 ? "stderr" : "stdout", data: buf.subarray(off + 8, off + 8 + size) });
    off += 8 + size;
  }
  return { frames, rest: buf.subarray(off) };
}

function call(socketPath: string, r: DockerRequest, onData?: (d: Buffer) => void): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const body = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
    const req = request({ socketPath, method: r.method, path: r.path, headers: body ? { "content-type": "application/json", "content-length": body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => (onData ? onData(d) : chunks.push(d)));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Whether a Docker engine answers on the socket. */
export async function dockerReachable(socketPath = DOCKER_SOCKET): Promise<boolean> {
  try {
    return (await call(socketPath, { method: "GET", path: "/_ping" })).status === 200;
  } catch {
    return false;
  }
}

export class DockerRunner implements ContainerRunner {
  readonly name = "docker" as const;
  constructor(private readonly socketPath = DOCKER_SOCKET) {}

  async run(spec: ContainerSpec): Promise<ContainerHandle> {
    const ref = spec.image.ref ?? spec.image.digest;
    await call(this.socketPath, dockerPullRequest(ref), () => {});
    const created = await call(this.socketPath, dockerCreateRequest(spec));
    if (created.status !== 201) throw new Error(`CannotCreateContainerError: ${created.body.toString().slice(0, 300)}`);
    const id = (JSON.parse(created.body.toString()) as { Id: string }).Id;
    let rest: Buffer = Buffer.alloc(0);
    const pending: Record<string, string> = { stdout: "", stderr: "" };
    const logs = call(this.socketPath, { method: "POST", path: `${API}/containers/${id}/attach?stream=1&stdout=1&stderr=1` }, (d) => {
      const { frames, rest: r } = demuxDockerStream(Buffer.concat([rest, d]));
      rest = r;
      for (const f of frames) {
        const text = pending[f.stream] + f.data.toString("utf8");
        const lines = text.split("\n");
        pending[f.stream] = lines.pop()!;
        for (const l of lines) spec.onLine(l, f.stream);
      }
    });
    const started = await call(this.socketPath, { method: "POST", path: `${API}/containers/${id}/start` });
    if (started.status >= 300) throw new Error(`CannotStartContainerError: ${started.body.toString().slice(0, 300)}`);
    const done = (async (): Promise<ContainerExit> => {
      const w = await call(this.socketPath, { method: "POST", path: `${API}/containers/${id}/wait` });
      await logs.catch(() => undefined);
      for (const s of ["stdout", "stderr"] as const) if (pending[s]) spec.onLine(pending[s]!, s);
      const inspect = JSON.parse((await call(this.socketPath, { method: "GET", path: `${API}/containers/${id}/json` })).body.toString() || "{}") as { State?: { OOMKilled?: boolean } };
      await call(this.socketPath, { method: "DELETE", path: `${API}/containers/${id}?force=1` }).catch(() => undefined);
      const code = (JSON.parse(w.body.toString() || "{}") as { StatusCode?: number }).StatusCode ?? null;
      if (inspect.State?.OOMKilled) return { exitCode: 137, signal: "SIGKILL", reason: "OutOfMemoryError: Container killed due to memory usage" };
      return { exitCode: code, signal: null };
    })();
    return {
      pid: undefined,
      wait: () => done,
      kill: (signal: NodeJS.Signals = "SIGKILL") => void call(this.socketPath, signal === "SIGKILL" ? { method: "POST", path: `${API}/containers/${id}/kill?signal=SIGKILL` } : { method: "POST", path: `${API}/containers/${id}/stop?t=30` }).catch(() => undefined),
    };
  }
}
