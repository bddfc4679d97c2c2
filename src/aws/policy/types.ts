/**
 * The contract between IAM (src/services/iam: who the caller is, which policies apply) and policy evaluation
 * (src/aws/policy: pure functions that decide, as AWS documents its evaluation logic). The edge's authorizer
 * (--enforce-iam) asks IAM for the caller's identity, maps the operation to its IAM action and resource ARNs,
 * and evaluates.
 */

/** Who signed a request, with everything evaluation needs about them. */
export interface CallerIdentity {
  accountId: string;
  /** arn:aws:iam::A:root | arn:aws:iam::A:user/PATH/NAME | arn:aws:sts::A:assumed-role/ROLE/SESSION | arn:aws:sts::A:federated-user/NAME */
  arn: string;
  /** aws:PrincipalArn: the role's ARN (arn:aws:iam::A:role/PATH/ROLE) for an assumed role, else `arn`. */
  principalArn: string;
  /** aws:userid: AIDA… for users, AROA…:SESSION for assumed roles, the account id for root. */
  userId: string;
  kind: "root" | "user" | "assumed-role" | "federated-user";
  /** Identity-based policies in effect (user inline + attached + its groups'; role inline + attached), JSON. */
  identityPolicies: string[];
  /** The permissions boundary document, when the user or role has one. */
  permissionsBoundary?: string;
  /** Session policies passed to AssumeRole/GetFederationToken (inline and managed), JSON. */
  sessionPolicies?: string[];
  /** aws:PrincipalTag/* (session tags override the role's). */
  principalTags: Record<string, string>;
  /** The account root and the --credentials keys (e.g. test:test): never denied. */
  allPowerful: boolean;
}

/** IAM implements this (as an extra method on its provider) so the authorizer can resolve a key. */
export interface IdentitySource {
  identify(accessKeyId: string): Promise<CallerIdentity | undefined> | CallerIdentity | undefined;
}

/** A condition value as a request carries it: condition key names are case-insensitive (store lower-cased). */
export type ConditionValue = string | string[] | number | boolean;

/** One authorization question. */
export interface AuthorizationRequest {
  /** "dynamodb:GetItem" */
  action: string;
  /** The resource ARN ("*" for actions without a resource type). */
  resource: string;
  caller: CallerIdentity;
  /** Request context keys (lower-cased): aws:sourceip, aws:currenttime, aws:securetransport, aws:requestedregion, dynamodb:LeadingKeys… */
  context: Record<string, ConditionValue>;
  /** The resource's own policy (Lambda function policy, S3 bucket policy, …), JSON, when it has one. */
  resourcePolicy?: string;
  /** The account that owns the resource (cross-account access needs both sides to allow). */
  resourceAccountId: string;
}

export type DecisionKind = "Allow" | "ExplicitDeny" | "ImplicitDeny";

export interface Decision {
  decision: DecisionKind;
  /**
   * Which policy type decided, for AWS's message: "no identity-based policy allows", "an explicit deny in an
   * identity-based policy", "no permissions boundary allows", "no session policy allows", "an explicit deny
   * in a resource-based policy", …
   */
  reason: string;
}
