/**
 * A small leveled logger writing one line per event to stderr, as text or as JSON (one object a line, for
 * log shippers). Requests get one line each at `info` (see Logger.request); lines are built by string
 * concatenation and written once, so logging stays cheap on the hot path.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFormat = "text" | "json";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** What the request line says: `service.Operation` (or the data plane's route), status, duration, request id, error code. */
export interface RequestLine {
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
  /** The AWS error code of an error answer. */
  errorCode?: string;
}

export interface Logger {
  debug(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  error(msg: string, extra?: unknown): void;
  /** One line per served request, at info. */
  request(line: RequestLine): void;
  enabled(level: LogLevel): boolean;
}

const LABEL: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO ", warn: "WARN ", error: "ERROR", silent: "" };

/**
 * stderr, written once per turn of the event loop: under load a write(2) per request line cost the server a
 * fifth of its throughput. Lines keep their order; warnings and errors flush at once (with what is pending),
 * and whatever is pending is written synchronously when the process exits.
 */
export function bufferedStderr(): { write(line: string): void; flush(): void } {
  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    const out = pending;
    pending = "";
    process.stderr.write(out); // synchronous for files and pipes on Linux (Node's process I/O rules)
  };
  process.once("exit", flush);
  return {
    write(line: string) {
      pending += line;
      if (pending.length > 64 * 1024) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

let sharedStderr: ReturnType<typeof bufferedStderr> | undefined;

export function createLogger(level: LogLevel, write?: (line: string) => void, format: LogFormat = "text"): Logger {
  let urgent: (line: string) => void;
  if (!write) {
    const out = (sharedStderr ??= bufferedStderr());
    write = out.write;
    urgent = (line) => {
      out.write(line);
      out.flush();
    };
  } else urgent = write;
  const lazy = write;
  const min = ORDER[level];
  const json = format === "json";
  const emit = (lvl: LogLevel, msg: string, extra?: unknown) => {
    if (ORDER[lvl] < min) return;
    const time = new Date().toISOString();
    const write = ORDER[lvl] >= ORDER.warn ? urgent : lazy;
    if (json) {
      let line = `{"time":"${time}","level":"${lvl}","msg":${JSON.stringify(msg)}`;
      if (extra instanceof Error) line += `,"error":${JSON.stringify(extra.stack ?? extra.message)}`;
      else if (extra !== undefined) line += `,"extra":${JSON.stringify(extra)}`;
      write(line + "}\n");
      return;
    }
    let line = `${time} ${LABEL[lvl]} ${msg}`;
    if (extra !== undefined) line += ` ${extra instanceof Error ? (extra.stack ?? extra.message) : JSON.stringify(extra)}`;
    write(line + "\n");
  };
  const request = (r: RequestLine) => {
    if (ORDER.info < min) return;
    const write = lazy;
    const time = new Date().toISOString();
    const ms = Math.round(r.durationMs * 10) / 10;
    if (json) {
      write(`{"time":"${time}","level":"info","msg":"request","route":${JSON.stringify(r.route)},"status":${r.status},"durationMs":${ms},"requestId":${JSON.stringify(r.requestId)}${r.errorCode ? `,"errorCode":${JSON.stringify(r.errorCode)}` : ""}}\n`);
    } else {
      write(`${time} INFO  ${r.route} ${r.status} ${ms}ms ${r.requestId || "-"}${r.errorCode ? ` ${r.errorCode}` : ""}\n`);
    }
  };
  return {
    debug: (m, e) => emit("debug", m, e),
    info: (m, e) => emit("info", m, e),
    warn: (m, e) => emit("warn", m, e),
    error: (m, e) => emit("error", m, e),
    request,
    enabled: (lvl) => ORDER[lvl] >= min,
  };
}
