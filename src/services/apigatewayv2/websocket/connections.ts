/**
 * The live WebSocket connections of every API: id → connection, plus one sweep timer for the idle and
 * maximum-duration limits (no timer per connection, so 10,000 idle connections cost only their sockets).
 */
import { randomText } from "../../../core/ids.js";
import type { WebSocket } from "ws";
import type { Clock } from "../../../core/clock.js";

/** Why a connection ended, as $disconnect's requestContext tells it. */
export interface DisconnectInfo {
  statusCode: number;
  reason: string;
}

export interface Connection {
  connectionId: string;
  apiId: string;
  stage: string;
  accountId: string;
  region: string;
  /** `{apiId}.execute-api.localhost:PORT`: the host functions call back (requestContext.domainName). */
  domainName: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  /** The $connect authorizer's principal and context, given to every later event of the connection. */
  authorizer?: Record<string, unknown>;
  socket?: WebSocket;
  /** Set once the connection is closing: later posts get GoneException, $disconnect runs once. */
  closing?: DisconnectInfo;
}

/** A connection id as AWS shapes them: 10 random bytes in base64 ("L0SM9cOFvHcCIhw="). */
export function newConnectionId(): string {
  return randomText(10, "base64");
}

export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly limits: { idleMs: number; maxMs: number; sweepMs: number },
    /** Called for each connection past a limit (the gateway closes it and runs $disconnect). */
    private readonly expire: (c: Connection, info: DisconnectInfo) => void,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  add(c: Connection): void {
    this.byId.set(c.connectionId, c);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), this.limits.sweepMs);
      this.sweeper.unref();
    }
  }

  get(id: string): Connection | undefined {
    return this.byId.get(id);
  }

  remove(id: string): void {
    this.byId.delete(id);
    if (this.byId.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  all(): Connection[] {
    return [...this.byId.values()];
  }

  /** Closes connections idle past idleMs or open past maxMs (AWS closes them with 1001 "Going away"). */
  sweep(): void {
    const now = this.clock.now();
    for (const c of this.byId.values()) {
      if (c.closing) continue;
      if (now - c.connectedAt >= this.limits.maxMs) this.expire(c, { statusCode: 1001, reason: "Going away" });
      else if (now - c.lastActiveAt >= this.limits.idleMs) this.expire(c, { statusCode: 1001, reason: "Going away" });
    }
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
