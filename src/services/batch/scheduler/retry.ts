/**
 * Whether a failed attempt is retried: the job's retryStrategy (attempts, evaluateOnExit). From the AWS
 * Batch user guide (Automated job retries) and the EvaluateOnExit API reference: conditions are checked in
 * order and the first whose given fields all match decides (RETRY or EXIT, case-insensitive); a pattern is
 * an exact match or a prefix ending with `*`; when none matches the job is retried (if attempts remain).
 * A job that timed out or was terminated is not retried.
 */
import type { RetryStrategy } from "../model.js";

export interface AttemptExit {
  exitCode?: number;
  /** The container's reason (attempts[].container.reason). */
  reason?: string;
  /** The attempt's statusReason. */
  statusReason?: string;
}

export function globMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  return pattern.endsWith("*") ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/** RETRY or EXIT after `attemptsMade` attempts (the failed one included). */
export function retryDecision(rs: RetryStrategy | undefined, attemptsMade: number, exit: AttemptExit): "RETRY" | "EXIT" {
  if (attemptsMade >= (rs?.attempts ?? 1)) return "EXIT";
  for (const e of rs?.evaluateOnExit ?? []) {
    const conds: Array<[string | undefined, string | undefined]> = [
      [e.onExitCode, exit.exitCode === undefined ? undefined : String(exit.exitCode)],
      [e.onReason, exit.reason],
      [e.onStatusReason, exit.statusReason],
    ];
    const given = conds.filter(([p]) => p !== undefined);
    if (given.length && given.every(([p, v]) => globMatch(p!, v))) return e.action.toUpperCase() === "EXIT" ? "EXIT" : "RETRY";
  }
  return "RETRY";
}
