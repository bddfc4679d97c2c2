/**
 * Spare environments: node and python runtimes started ahead (sandbox, process, bootstrap) with an empty code
 * directory, one class per runtime, memory and /tmp size (and whether the SDK snapshot is wanted, or boto3 imported
 * ahead: bootstrap/python.py). A class is wanted once a
 * function of it is deployed or starts an environment, for SPARE_CLASS_TTL_MS after; `--lambda-spares` of
 * each are kept started while nothing is waiting or in flight (a spare's start costs as much CPU as a cold
 * start, which a machine under load needs for the requests). A cold start of the class takes a ready spare
 * over — its code linked in, its variables handed over — or waits for one still starting (SPARE_WAIT_MS at
 * most) rather than start a runtime of its own. A spare started from the SDK snapshot warms the SDK up while it
 * waits, for at most 100 ms of CPU (bootstrap/node-client.cjs, snapshot-warmup.cjs). The environment manager
 * (environments.ts) owns the live environments; this keeps the classes and moves spares in and out of its pools.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Environment, linkTree, logStreamName, type EnvironmentBlueprint, type SpareTemplate } from "./environment.js";
import type { EnvironmentManagerOptions } from "./environment.js";

/** A spare class stays wanted this long after a function of it last started, ms. */
const SPARE_CLASS_TTL_MS = 10 * 60_000;

/** How long a request waits for a starting spare before it starts an environment of its own, ms. */
export const SPARE_WAIT_MS = 1000;

/** A spare environment still starting (not yet waiting for a function, not given one, alive), started recently. */
export const isStartingSpare = (e: Environment): boolean =>
  !!e.spareClass && !e.awaitingAssignment && !e.credentials && e.state !== "dead" && performance.now() - e.initStarted < SPARE_WAIT_MS;

/** What the spares need of the environment manager. */
export interface SpareHost {
  pool(key: string): Set<Environment>;
  /** Makes a just launched spare one of the live environments (its lines, its exit, its start counted). */
  adopt(env: Environment): void;
  /** A start slot and memory are free for a spare, nobody evicted. */
  mayStart(poolKey: string): boolean;
  /** Nothing waiting for an environment, nothing in flight. */
  quiet(): boolean;
  /** Starting spares that waiting requests already count on. */
  claimed(): Environment[];
  noteStart(poolKey: string): void;
  kill(env: Environment): void;
  pump(): void;
}

type Options = Pick<EnvironmentManagerOptions, "spares" | "sparesDir" | "ids" | "clock" | "launcher" | "runtimeApiBase" | "credentials">;

export class SpareEnvironments {
  /** Classes wanted (the template of the last function of each, and when one last started or was deployed). */
  private readonly classes = new Map<string, { template: SpareTemplate; lastUsed: number }>();

  constructor(
    private readonly o: Options,
    private readonly host: SpareHost,
  ) {
    if (o.spares > 0) {
      rmSync(o.sparesDir, { recursive: true, force: true }); // code directories of spares a previous run left
      mkdirSync(o.sparesDir, { recursive: true });
    }
  }

  /**
   * A function was just created or updated: a spare of its class starts now (when none is there and nothing is
   * in flight), while the deploy goes on, so its first invocation finds the runtime started.
   */
  expect(bp: EnvironmentBlueprint): void {
    this.note(bp);
    this.replenish();
  }

  /** Wants spares of a class from now on (a function of it was deployed or just started an environment). */
  note(bp: EnvironmentBlueprint): void {
    if (!bp.spare || this.o.spares <= 0) return;
    this.classes.set(bp.spare.classKey, { template: bp.spare, lastUsed: this.o.clock.now() });
  }

  /** Starts missing spares of the wanted classes — only when quiet, with a free start slot and free memory. */
  replenish(): void {
    if (this.o.spares <= 0 || !this.host.quiet()) return;
    const now = this.o.clock.now();
    for (const [classKey, want] of this.classes) {
      if (now - want.lastUsed > SPARE_CLASS_TTL_MS) {
        this.classes.delete(classKey);
        continue;
      }
      let have = 0;
      for (const e of this.host.pool(`spare:${classKey}`)) if (e.state !== "dead") have++;
      for (; have < this.o.spares; have++) {
        if (!this.host.mayStart(`spare:${classKey}`)) return;
        this.start(classKey, want.template);
      }
    }
  }

  private start(classKey: string, template: SpareTemplate): void {
    const id = this.o.ids.hex(16);
    const token = randomBytes(24).toString("hex");
    const codeDir = join(this.o.sparesDir, id);
    mkdirSync(codeDir, { recursive: true, mode: 0o755 });
    const bp: EnvironmentBlueprint = {
      account: "", region: "", poolKey: `spare:${classKey}`, envKey: `spare:${classKey}`, functionName: "", version: "", memoryMb: 0, timeoutSec: 0,
      launchSpec: () => template.launch(`${this.o.runtimeApiBase()}/${token}`, codeDir),
    };
    const proc = this.o.launcher.launch(bp.launchSpec("", "", undefined as never));
    const env = new Environment(id, token, undefined, bp, "", proc, performance.now());
    env.spareClass = classKey;
    env.codeDir = codeDir;
    env.lastUsed = this.o.clock.now();
    this.host.adopt(env);
  }

  /** Hands a ready spare of the blueprint's class to the function: its code linked in, its variables sent. */
  take(bp: EnvironmentBlueprint): Environment | undefined {
    if (!bp.spare) return undefined;
    this.note(bp);
    let env: Environment | undefined;
    for (const e of this.host.pool(`spare:${bp.spare.classKey}`)) {
      if (e.awaitingAssignment && e.state !== "dead") {
        env = e;
        break;
      }
    }
    if (!env) return undefined;
    try {
      linkTree(bp.spare.hostTask, env.codeDir!);
    } catch (e) {
      this.host.kill(env);
      return undefined;
    }
    const credentials = this.o.credentials.issue(bp);
    const logStream = logStreamName(this.o.clock.now(), bp.version, env.id);
    const vars = bp.spare.env(`${this.o.runtimeApiBase()}/${env.token}`, logStream, credentials, env.codeDir!);
    this.host.pool(env.blueprint.poolKey).delete(env);
    env.blueprint = bp;
    env.credentials = credentials;
    env.logStream = logStream;
    env.initStarted = performance.now();
    env.initLogs = bp.initLines?.length ? [...bp.initLines] : [];
    env.state = "starting";
    env.lastUsed = this.o.clock.now();
    this.host.pool(bp.poolKey).add(env);
    this.host.noteStart(bp.poolKey);
    const give = env.awaitingAssignment!;
    env.awaitingAssignment = undefined;
    give(vars);
    queueMicrotask(() => this.host.pump()); // a replacement spare
    return env;
  }

  /** A spare of the blueprint's class still starting that no waiting request counts on yet. */
  starting(bp: EnvironmentBlueprint): Environment | undefined {
    if (!bp.spare) return undefined;
    const claimed = new Set(this.host.claimed());
    for (const e of this.host.pool(`spare:${bp.spare.classKey}`)) if (isStartingSpare(e) && !claimed.has(e)) return e;
    return undefined;
  }
}
