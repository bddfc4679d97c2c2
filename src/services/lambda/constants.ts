/** Lambda limits and defaults (AWS: "Lambda quotas"). */
export const Limits = {
  MIN_MEMORY_MB: 128,
  MAX_MEMORY_MB: 10240,
  DEFAULT_MEMORY_MB: 128,
  MIN_TIMEOUT_SEC: 1,
  MAX_TIMEOUT_SEC: 900,
  DEFAULT_TIMEOUT_SEC: 3,
  /** Zipped deployment package uploaded directly. */
  MAX_ZIP_BYTES: 50 * 1024 * 1024,
  MAX_UNZIPPED_BYTES: 250 * 1024 * 1024,
  /** Synchronous invocation payloads, request and response. */
  MAX_SYNC_PAYLOAD_BYTES: 6 * 1024 * 1024,
  MAX_ASYNC_PAYLOAD_BYTES: 256 * 1024,
  LOG_TAIL_BYTES: 4096,
  MIN_UNRESERVED_CONCURRENCY: 100,
  LIST_MAX_ITEMS: 50,
  ASYNC_RETRIES: 2,
} as const;

/** "unavailable": an identifier AWS lists that Skyport cannot run (no such interpreter): created, invoke fails. */
export type RuntimeFamily = "nodejs" | "python" | "provided" | "unavailable";

/** The runtimes Skyport runs, and how. */
export const RUNTIMES: Record<string, RuntimeFamily> = {
  "nodejs18.x": "nodejs",
  "nodejs20.x": "nodejs",
  "nodejs22.x": "nodejs",
  "nodejs24.x": "nodejs",
  "python3.9": "python",
  "python3.10": "python",
  "python3.11": "python",
  "python3.12": "python",
  "python3.13": "python",
  "python3.14": "python",
  "java8.al2": "unavailable",
  "java11": "unavailable",
  "java17": "unavailable",
  "java21": "unavailable",
  "java25": "unavailable",
  "dotnet8": "unavailable",
  "dotnet10": "unavailable",
  "ruby3.2": "unavailable",
  "ruby3.3": "unavailable",
  "ruby3.4": "unavailable",
  "provided.al2": "provided",
  "provided.al2023": "provided",
};

/** Runtimes AWS lists as deprecated for creation (InvalidParameterValueException rather than an enum error). */
export const DEPRECATED_RUNTIMES = ["nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "python2.7", "python3.6", "python3.7", "python3.8", "provided", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "ruby2.5", "ruby2.7", "go1.x", "java8"];

/** Every value of the model's Runtime enum (for AWS's enum constraint message). */
export const RUNTIME_ENUM = ["nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "java8", "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2", "ruby3.3", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13", "nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10", "ruby3.4"];

export const Messages = {
  functionNotFound: (arn: string) => `Function not found: ${arn}`,
  functionExists: (name: string) => `Function already exist: ${name}`,
  badZip: "Could not unzip uploaded file. Please check your file, then try to upload again.",
  zipTooLarge: "Request must be smaller than 69905067 bytes for the CreateFunction operation",
  throttled: "Rate Exceeded.",
} as const;
