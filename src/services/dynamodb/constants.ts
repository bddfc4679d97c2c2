/** DynamoDB limits and defaults, as documented in "Service, account, and table quotas in Amazon DynamoDB". */
export const Limits = {
  MAX_ITEM_SIZE_BYTES: 400 * 1024,
  MAX_HASH_KEY_BYTES: 2048,
  MAX_RANGE_KEY_BYTES: 1024,
  /** Query and Scan stop reading once a page has read this much. */
  MAX_PAGE_BYTES: 1024 * 1024,
  MAX_BATCH_GET_KEYS: 100,
  MAX_BATCH_WRITE_REQUESTS: 25,
  MAX_TRANSACT_ITEMS: 100,
  MAX_GSI_PER_TABLE: 20,
  MAX_LSI_PER_TABLE: 5,
  MAX_PROJECTED_NON_KEY_ATTRIBUTES: 100,
  MAX_LIST_TABLES: 100,
  /** A TransactWriteItems ClientRequestToken is remembered this long. */
  IDEMPOTENCY_WINDOW_MS: 10 * 60 * 1000,
  /** Stream records are readable for 24 hours. */
  STREAM_RETENTION_MS: 24 * 60 * 60 * 1000,
  /** Shard iterators expire after 15 minutes. */
  SHARD_ITERATOR_TTL_MS: 15 * 60 * 1000,
  MAX_GET_RECORDS: 1000,
  /** How often the TTL sweeper looks for expired items (AWS: within days; we are quicker). */
  TTL_SWEEP_INTERVAL_MS: 5_000,
  /** Rows removed per sweep step, so one sweep never holds the write lock long. */
  TTL_SWEEP_BATCH: 500,
  ACCOUNT_MAX_CAPACITY_UNITS: 80_000,
  TABLE_MAX_CAPACITY_UNITS: 40_000,
  READ_UNIT_BYTES: 4096,
  WRITE_UNIT_BYTES: 1024,
  /** Warm throughput of a new table or GSI, in either billing mode ("Understanding DynamoDB warm throughput in different scenarios"). */
  WARM_READ_UNITS_PER_SECOND: 12_000,
  WARM_WRITE_UNITS_PER_SECOND: 4_000,
} as const;

export const TableStatus = { ACTIVE: "ACTIVE", CREATING: "CREATING", UPDATING: "UPDATING", DELETING: "DELETING" } as const;

/** Messages AWS gives, kept in one place because many operations share them. */
export const Messages = {
  NOT_FOUND: "Requested resource not found",
  KEY_SCHEMA_MISMATCH: "The provided key element does not match the schema",
  ITEM_TOO_LARGE: "Item size has exceeded the maximum allowed size",
  CONDITION_FAILED: "The conditional request failed",
  INVALID: "One or more parameter values were invalid",
} as const;
