import type { Clock } from "../core/clock.js";

/** Who signed the request, as far as SigV4 tells. */
export interface Principal {
  accessKeyId: string;
  /** true when the request carried no SigV4 credentials at all. */
  anonymous: boolean;
}

/** What every handler knows about the request it serves. Built by the edge, read by providers. */
export interface RequestContext {
  requestId: string;
  accountId: string;
  region: string;
  service: string;
  operation: string;
  principal: Principal;
  clock: Clock;
  /** Base URL the client reached Skyport at (scheme://host:port), for URLs handed back to it. */
  endpoint: string;
}
