/**
 * Holds the running providers: creates each on first use, gives other services typed in-process access
 * to it (never an HTTP round trip to ourselves), and closes or resets them all.
 */
import type { Config } from "../cli/config.js";
import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { Logger } from "../core/log.js";
import type { RequestContext } from "../edge/context.js";
import { CredentialRegistry } from "../aws/credentials.js";
import { notImplemented, ServiceError } from "../aws/errors.js";
import type { Store } from "../store/store.js";
import { SERVICES } from "./index.js";

/** What a provider is given when it is created. */
export interface ServiceEnv {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  config: Config;
  log: Logger;
  /** Other services, in process. */
  services: ServiceHost;
}

/** A provider: its AWS operations are its PascalCase methods; `close`/`reset` (optional) its lifecycle. */
export type Provider = object;

export interface ProviderLifecycle {
  /** Graceful shutdown, before close: take no new work, let work in flight finish until `deadline` (epoch ms). */
  drain?(deadline: number): Promise<void>;
  /** Stop background work and child processes (server shutdown). */
  close?(): void | Promise<void>;
  /** Forget in-memory state after the store was wiped (/_skyport/reset). */
  reset?(): void | Promise<void>;
  /** What /_skyport/health tells about the service's running work (no user data beyond resource names). */
  health?(): Record<string, unknown>;
}

export type ProviderFactory = (env: ServiceEnv) => Provider | Promise<Provider>;
type Handler = (ctx: RequestContext, input: Record<string, unknown>) => unknown;

/** The operation's method on a provider, or null when the provider does not implement it. */
function handlerOf(provider: Provider, operation: string): { provider: Provider; fn: Handler } | null {
  const fn = (provider as Record<string, unknown>)[operation];
  return typeof fn === "function" ? { provider, fn: fn as Handler } : null;
}

/** Rounds of closing: providers a closing one first started (by its last flush) are closed in the next. */
const CLOSE_ROUNDS = 3;

export class ServiceHost {
  private readonly providers = new Map<string, Promise<Provider>>();
  /** Providers whose creation has finished: the request path reaches their handlers without awaiting. */
  private readonly ready = new Map<string, Provider>();
  private closed = false;
  private readonly flushes: Array<() => Promise<void>> = [];
  /** How user code (functions, jobs) reaches this server: http://127.0.0.1:PORT, set once listening. */
  localEndpoint = "http://127.0.0.1:4566";
  private env!: ServiceEnv;
  /** Credentials Skyport recognises: --credentials and the temporary ones it issued (function environments). */
  credentials!: CredentialRegistry;

  init(env: Omit<ServiceEnv, "services">): void {
    this.env = { ...env, services: this };
    this.credentials = new CredentialRegistry(env.config.credentials, () => env.clock.now());
  }

  /** The server's configuration (read-only). */
  get config(): Config {
    return this.env.config;
  }

  /** Registers a buffer of work for other providers (metrics on their way to CloudWatch) to write out at close. */
  onClose(flush: () => Promise<void>): void {
    this.flushes.push(flush);
  }

  /** The provider of a service, created on first use; undefined for services with none, and once closed. */
  get(service: string): Promise<Provider> | undefined {
    let p = this.providers.get(service);
    if (!p && !this.closed) {
      const entry = SERVICES[service];
      if (!entry?.load) return undefined;
      p = entry.load().then((factory) => factory(this.env));
      const created = p;
      p.then(
        (provider) => {
          if (this.providers.get(service) === created) this.ready.set(service, provider);
        },
        () => this.providers.delete(service),
      );
      this.providers.set(service, p);
    }
    return p;
  }

  /**
   * The handler of an operation when its provider is created already (null when the provider does not implement
   * it); undefined when the provider is not created yet (then `handler` creates it).
   */
  readyHandler(service: string, operation: string): { provider: Provider; fn: Handler } | null | undefined {
    const provider = this.ready.get(service);
    return provider ? handlerOf(provider, operation) : undefined;
  }

  /** The handler of an operation, or undefined when the service does not implement it. */
  async handler(service: string, operation: string): Promise<{ provider: Provider; fn: Handler } | undefined> {
    const pending = this.get(service);
    if (!pending) return undefined;
    return handlerOf(await pending, operation) ?? undefined;
  }

  /** Calls another service's operation in process: same typed input and output, same errors. */
  async call<O = Record<string, unknown>>(service: string, operation: string, ctx: RequestContext, input: object): Promise<O> {
    const h = await this.handler(service, operation);
    if (!h) throw notImplemented(service, operation);
    return (await h.fn.call(h.provider, { ...ctx, service, operation }, input as Record<string, unknown>)) as O;
  }

  /**
   * Starts, at boot, every service that has persisted background work (queued async invokes, stream pollers,
   * TTL sweeps, log retention), so that work resumes after a restart without waiting for an API call.
   */
  async startPendingWork(): Promise<string[]> {
    const started: string[] = [];
    for (const [name, entry] of Object.entries(SERVICES)) {
      if (!entry.pendingWork || !entry.load) continue;
      let pending = false;
      for (const sql of ([] as string[]).concat(entry.pendingWork)) {
        try {
          pending ||= this.env.store.db.prepare(sql).get() !== undefined;
        } catch {
          // the service never ran here: its tables do not exist yet
        }
      }
      if (!pending) continue;
      try {
        await this.get(name);
        started.push(name);
      } catch (e) {
        this.env.log.warn(`${name}: could not start its background work at boot`, e);
      }
    }
    return started;
  }

  /** The health details of every started provider that has some. */
  async health(): Promise<Record<string, Record<string, unknown>>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, p] of this.providers) {
      const provider = (await p.catch(() => undefined)) as ProviderLifecycle | undefined;
      const h = provider?.health?.();
      if (h) out[name] = h;
    }
    return out;
  }

  /** Services whose provider has been created, and how it went. */
  started(): string[] {
    return [...this.providers.keys()];
  }

  async reset(): Promise<void> {
    for (const p of this.providers.values()) {
      const provider = await p.catch(() => undefined);
      await (provider as ProviderLifecycle | undefined)?.reset?.();
    }
  }

  /** Lets every started provider finish its work in flight, until `deadline` (epoch ms). */
  async drain(deadline: number): Promise<void> {
    await Promise.all(
      [...this.providers.values()].map(async (p) => {
        const provider = await p.catch(() => undefined);
        try {
          await (provider as ProviderLifecycle | undefined)?.drain?.(deadline);
        } catch (e) {
          this.env.log.warn("provider drain failed", e);
        }
      }),
    );
  }

  /**
   * Closes every provider, in the order they started, each after the buffers registered with onClose were written
   * (again after, for what the closing ones buffered last). One that a closing provider still calls on (its last log
   * or metric flush) answers meanwhile; one first started by such a call is closed too. Closed, the host starts none.
   */
  async close(): Promise<void> {
    const done = new Set<Promise<Provider>>();
    for (let round = 0; round < CLOSE_ROUNDS; round++) {
      for (const flush of this.flushes) await flush().catch((e) => this.env.log.warn("flush at close failed", e));
      const open = [...this.providers.values()].filter((p) => !done.has(p));
      if (!open.length) break;
      for (const p of open) {
        done.add(p);
        const provider = await p.catch(() => undefined);
        try {
          await (provider as ProviderLifecycle | undefined)?.close?.();
        } catch (e) {
          this.env.log.warn("provider close failed", e);
        }
      }
    }
    this.closed = true;
    this.providers.clear();
    this.ready.clear();
  }
}

export { ServiceError };
