/**
 * S3's errors, with the codes, statuses and messages AWS sends
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList) and the extra
 * members its error documents carry (BucketName, Key, Condition...).
 */
import { ServiceError } from "../../aws/errors.js";

const e = (code: string, message: string, status: number, fields?: Record<string, unknown>) => new ServiceError(code, message, status, status < 500, fields);

export const Errors = {
  noSuchBucket: (b: string) => e("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: b }),
  noSuchKey: (k: string) => e("NoSuchKey", "The specified key does not exist.", 404, { Key: k }),
  noSuchVersion: (k: string, v: string) => e("NoSuchVersion", "The specified version does not exist.", 404, { Key: k, VersionId: v }),
  alreadyOwned: (b: string) => e("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409, { BucketName: b }),
  alreadyExists: (b: string) => e("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", 409, { BucketName: b }),
  notEmpty: (b: string) => e("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, { BucketName: b }),
  invalidBucketName: (b: string) => e("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: b }),
  keyTooLong: () => e("KeyTooLongError", "Your key is too long", 400),
  noSuchUpload: (id: string) => e("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", 404, { UploadId: id }),
  invalidPart: () => e("InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", 400),
  invalidPartOrder: () => e("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.", 400),
  entityTooSmall: (size: number, part: number) => e("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", 400, { ProposedSize: size, MinSizeAllowed: 5242880, PartNumber: part }),
  invalidRange: (range: string, size: number) => e("InvalidRange", "The requested range is not satisfiable", 416, { RangeRequested: range, ActualObjectSize: size }),
  preconditionFailed: (condition: string) => e("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, { Condition: condition }),
  notModified: () => e("NotModified", "Not Modified", 304),
  badDigest: () => e("BadDigest", "The Content-MD5 you specified did not match what we received.", 400),
  badChecksum: (alg: string) => e("BadDigest", `The ${alg} you specified did not match the calculated checksum.`, 400),
  invalidDigest: () => e("InvalidDigest", "The Content-MD5 you specified is not valid.", 400),
  sha256Mismatch: () => e("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400),
  invalidArgument: (message: string, name?: string, value?: string) => e("InvalidArgument", message, 400, name ? { ArgumentName: name, ArgumentValue: value } : undefined),
  invalidRequest: (message: string) => e("InvalidRequest", message, 400),
  malformedXml: () => e("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400),
  methodNotAllowed: (method: string, resource: string) => e("MethodNotAllowed", "The specified method is not allowed against this resource.", 405, { Method: method, ResourceType: resource }),
  noSuchTagSet: (b: string) => e("NoSuchTagSet", "The TagSet does not exist", 404, { BucketName: b }),
  noSuchCors: (b: string) => e("NoSuchCORSConfiguration", "The CORS configuration does not exist", 404, { BucketName: b }),
  noSuchPolicy: (b: string) => e("NoSuchBucketPolicy", "The bucket policy does not exist", 404, { BucketName: b }),
  noSuchPab: (b: string) => e("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404, { BucketName: b }),
  noOwnership: (b: string) => e("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", 404, { BucketName: b }),
  noEncryption: (b: string) => e("ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found", 404, { BucketName: b }),
  noLifecycle: (b: string) => e("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404, { BucketName: b }),
  noWebsite: (b: string) => e("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", 404, { BucketName: b }),
  malformedPolicy: (m: string) => e("MalformedPolicy", m, 400),
  invalidTag: (m: string) => e("InvalidTag", m, 400),
  accessDenied: () => e("AccessDenied", "Access Denied", 403),
  invalidLocation: (loc: string) => e("InvalidLocationConstraint", "The specified location-constraint is not valid", 400, { LocationConstraint: loc }),
  illegalLocation: () => e("IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.", 400),
};

/** Deliberately not an AWS error: the 501 S3 gives for features it has but Skyport does not. */
export const notImplementedHere = (what: string) => e("NotImplemented", `A header you provided implies functionality that is not implemented: ${what}`, 501);
