/**
 * The container runner interface shared by every service that runs OCI images (Batch jobs now; Lambda
 * container images and Lightsail instances later). Two implementations: the OCI runner (bubblewrap over the
 * image's root filesystem, oci-runner.ts) and the Docker runner (Docker Engine API, docker-runner.ts).
 */

/** The part of an OCI image config a runner uses (config.config in the image's config blob). */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

/** An image ready to run: its unpacked root filesystem (read-only, shared: never written) and config. */
export interface PreparedImage {
  digest: string;
  rootfs: string;
  config: ImageConfig;
  /** The reference as the job named it (the Docker runner pulls by it). */
  ref?: string;
}

export interface ContainerSpec {
  /** Unique name of the run (names its cgroup, scratch directory and Docker container). */
  id: string;
  image: PreparedImage;
  /** Overrides the image's Cmd (the Entrypoint stays, as with `docker run IMAGE CMD...`). */
  command?: string[];
  /** Added over the image's Env. */
  env: Record<string, string>;
  /** Overrides the image's User ("name", "uid", "uid:gid", "name:group"). */
  user?: string;
  vcpus?: number;
  memoryMb?: number;
  hostname?: string;
  /** Private /tmp size (MB). */
  tmpMb?: number;
  /** Called for each output line (stdout and stderr), without the newline. */
  onLine(line: string, stream: "stdout" | "stderr"): void;
}

export interface ContainerExit {
  /** The main process's exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why the container stopped when it was not a plain exit (OOM, cannot start, killed). */
  reason?: string;
}

export interface ContainerHandle {
  readonly pid: number | undefined;
  wait(): Promise<ContainerExit>;
  /** SIGTERM lets the job stop for a grace period, then everything is killed; SIGKILL kills at once. */
  kill(signal?: NodeJS.Signals): void;
}

export interface ContainerRunner {
  readonly name: "oci" | "docker";
  run(spec: ContainerSpec): Promise<ContainerHandle>;
}

/** Docker's default PATH, used when the image sets none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The argv of a container: Entrypoint + (command ?? Cmd). */
export function containerArgv(config: ImageConfig, command?: string[]): string[] {
  return [...(config.Entrypoint ?? []), ...(command && command.length ? command : (config.Cmd ?? []))];
}

/** The environment of a container: PATH default, the image's Env, then the given variables. */
export function containerEnv(config: ImageConfig, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const kv of config.Env ?? []) {
    const i = kv.indexOf("=");
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return Object.assign(out, env);
}
