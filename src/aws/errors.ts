/**
 * Errors of the AWS API surface. A handler throws a ServiceError carrying its AWS identity; exactly one
 * renderer per protocol (aws/protocol/*) turns it into bytes. Anything else thrown becomes a logged
 * 500 InternalFailure.
 */
export class ServiceError extends Error {
  /** Extra members of the error shape, serialized beside the message (e.g. CancellationReasons, Item, Type). */
  readonly fields: Record<string, unknown> | undefined;
  /** Headers the error adds (e.g. Retry-After). Only the protocol layer writes them. */
  headers?: Record<string, string>;

  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly senderFault = status < 500,
    fields?: Record<string, unknown>,
  ) {
    // AWS errors are answers, not bugs: skip the stack trace capture, which costs more than the request.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.fields = fields;
  }
}

/** A malformed request body (JSON/XML that does not parse, or values of the wrong type). */
export const serializationError = (message = "") => new ServiceError("SerializationException", message, 400);

/** The X-Amz-Target / path / Action named no operation of the service. */
export const unknownOperation = (service: string, operation: string) =>
  new ServiceError("UnknownOperationException", operation ? `Unknown operation ${operation} for service ${service}` : "", 400);

/** An operation of the model that Skyport does not implement (yet). */
export const notImplemented = (service: string, operation: string) =>
  new ServiceError("NotImplementedException", `The operation ${operation} of service ${service} is not implemented by Skyport yet`, 501, false);

export const internalFailure = (requestId: string) =>
  new ServiceError("InternalFailure", `The request processing has failed because of an unknown error, exception or failure. (Request ID: ${requestId})`, 500, false);

/**
 * The message AWS's Coral-based services (DynamoDB, Lambda, Logs, ...) give for model constraint violations:
 * "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null".
 */
export function constraintMessage(violations: string[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.join("; ")}`;
}

/** Errors of Skyport itself (bad configuration, port in use): plain, actionable, never a stack trace. */
export class SkyportError extends Error {}
