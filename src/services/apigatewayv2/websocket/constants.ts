/** WebSocket API limits, as AWS documents them ("Amazon API Gateway quotas for configuring and running a WebSocket API"). */
export const WsLimits = {
  /** A message, after its frames are reassembled; larger ones close the connection with 1009. */
  MAX_MESSAGE_BYTES: 128 * 1024,
  /** PostToConnection's Data (PayloadTooLargeException above it). */
  MAX_POST_BYTES: 128 * 1024,
  /** Defaults of --websocket-idle-seconds and --websocket-max-seconds. */
  IDLE_MS: 10 * 60 * 1000,
  MAX_CONNECTION_MS: 2 * 60 * 60 * 1000,
  /** The one sweep timer's period, bounded so short limits in tests are seen soon. */
  MIN_SWEEP_MS: 200,
  MAX_SWEEP_MS: 30_000,
  /** Integration timeout (29 s on AWS). */
  INTEGRATION_TIMEOUT_MS: 29_000,
} as const;

/** The account an unsigned upgrade maps to when the API cannot be located otherwise. */
export const DEFAULT_ACCOUNT = "000000000000";
