/**
 * What differs between services that share a protocol — as data, never as `if (service === ...)` in a
 * codec. Values come from observed AWS answers.
 */
export interface ServiceQuirks {
  /** json: the `__type` prefix of the service's own errors (DynamoDB sends "com.amazonaws.dynamodb.v20120810#"). */
  errorTypePrefix: string;
  /** Error code for model constraint violations (missing required members). */
  validationErrorCode: string;
  /** rest-json: the key of the message in error bodies ("message", Lambda's "Message"). */
  errorMessageKey: string;
  /** rest-json: a second key carrying the same message (Lambda sends both "Message" and "message"). */
  errorMessageAlias?: string;
  /** Extra members every error body of the service carries (Lambda's "Type": "User"). */
  errorFields?: Record<string, string>;
  /** Error code for a body that is not valid JSON/XML (Lambda: InvalidRequestContentException). */
  malformedBodyCode: string;
  /** Largest request body the service accepts, in bytes. */
  maxBodyBytes: number;
  /** The error (code, status, message) for a body over maxBodyBytes. */
  tooLarge: { code: string; status: number; message: string };
  /** json: type errors worded as Coral's Jackson deserializer does, with "Message" (capital M) in the body. */
  jacksonTypeErrors?: boolean;
  /** rest-json: Content-Type of an operation's blob payload when not application/octet-stream (Lambda Invoke: JSON). */
  blobPayloadContentType?: Record<string, string>;
}

const MB = 1024 * 1024;
const DEFAULT: ServiceQuirks = {
  errorTypePrefix: "",
  validationErrorCode: "ValidationException",
  errorMessageKey: "message",
  malformedBodyCode: "SerializationException",
  maxBodyBytes: 10 * MB,
  tooLarge: { code: "RequestEntityTooLargeException", status: 413, message: "Request entity too large" },
};

const QUIRKS: Record<string, Partial<ServiceQuirks>> = {
  dynamodb: {
    errorTypePrefix: "com.amazonaws.dynamodb.v20120810#",
    jacksonTypeErrors: true,
    maxBodyBytes: 16 * MB,
    tooLarge: { code: "RequestEntityTooLarge", status: 413, message: "Request entity too large" },
  },
  dynamodbstreams: { errorTypePrefix: "com.amazonaws.dynamodb.v20120810#" },
  lambda: {
    // A function's result is JSON (AWS answers Invoke with Content-Type: application/json).
    blobPayloadContentType: { Invoke: "application/json" },
    errorMessageKey: "Message",
    errorMessageAlias: "message",
    errorFields: { Type: "User" },
    malformedBodyCode: "InvalidRequestContentException",
    // Invoke payloads up to 6 MB, zips up to 50 MB (base64 in JSON, so ~70 MB on the wire).
    maxBodyBytes: 70 * MB,
    tooLarge: { code: "RequestEntityTooLargeException", status: 413, message: "Request must be smaller than 73400320 bytes for the CreateFunction operation" },
  },
  logs: { validationErrorCode: "InvalidParameterException", maxBodyBytes: 2 * MB },
  apigateway: { validationErrorCode: "BadRequestException", malformedBodyCode: "BadRequestException", maxBodyBytes: 10 * MB },
  apigatewayv2: { validationErrorCode: "BadRequestException" },
  sts: { validationErrorCode: "ValidationError" },
  "cognito-idp": { validationErrorCode: "InvalidParameterException" },
  iam: { validationErrorCode: "ValidationError" },
  cloudformation: { validationErrorCode: "ValidationError" },
  cloudwatch: { validationErrorCode: "MissingParameter", maxBodyBytes: 1 * MB },
  s3: {
    validationErrorCode: "InvalidArgument",
    maxBodyBytes: 512 * MB,
    tooLarge: { code: "EntityTooLarge", status: 400, message: "Your proposed upload exceeds the maximum allowed size" },
  },
};

const resolved = new Map<string, ServiceQuirks>();
export function quirksOf(service: string): ServiceQuirks {
  let q = resolved.get(service);
  if (!q) resolved.set(service, (q = { ...DEFAULT, ...QUIRKS[service] }));
  return q;
}

/** Protocol-level errors (not the service's own) carry Coral's namespaces in json `__type`. */
export const CORAL_ERROR_TYPES: Record<string, string> = {
  SerializationException: "com.amazon.coral.service#SerializationException",
  UnknownOperationException: "com.amazon.coral.service#UnknownOperationException",
  InvalidSignatureException: "com.amazon.coral.service#InvalidSignatureException",
  MissingAuthenticationTokenException: "com.amazon.coral.service#MissingAuthenticationTokenException",
  IncompleteSignatureException: "com.amazon.coral.service#IncompleteSignatureException",
  UnrecognizedClientException: "com.amazon.coral.service#UnrecognizedClientException",
  AccessDeniedException: "com.amazon.coral.service#AccessDeniedException",
  InternalFailure: "com.amazon.coral.service#InternalFailure",
  ValidationException: "com.amazon.coral.validate#ValidationException",
};
