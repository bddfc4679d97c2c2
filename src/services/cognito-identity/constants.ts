/** Cognito identity pools: limits and the messages AWS gives (see provider.ts for which are confirmed). */
export const Limits = {
  /** ListIdentityPools / ListIdentities MaxResults (1–60). */
  MAX_RESULTS: 60,
  /** Logins per request (the Logins map). */
  MAX_LOGINS: 10,
  /** DeleteIdentities: identity ids per call. */
  MAX_DELETE: 60,
  /** GetOpenIdToken: "The OpenID token is valid for 10 minutes." */
  OPENID_TOKEN_SECONDS: 600,
  /** GetCredentialsForIdentity: one-hour credentials, as AWS issues them. */
  CREDENTIALS_SECONDS: 3600,
  MAX_TOKEN_CHARS: 16_384,
} as const;

/** The issuer of Cognito Identity's OpenID tokens and the federated principal trust policies name. */
export const COGNITO_IDENTITY = "cognito-identity.amazonaws.com";
export const OPENID_ISSUER = `https://${COGNITO_IDENTITY}`;
/** The session name of the enhanced flow's role sessions. */
export const SESSION_NAME = "CognitoIdentityCredentials";

export const POOL_NAME = /^[\w\s+=,.@-]{1,128}$/;
export const COGNITO_PROVIDER = /^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/([\w-]+_[0-9a-zA-Z]+)$/;

export const Messages = {
  poolNotFound: (id: string) => `IdentityPool '${id}' not found.`,
  identityNotFound: (id: string) => `Identity '${id}' not found.`,
  unauthNotSupported: "Unauthenticated access is not supported for this identity pool.",
  loginsDontMatch: "Logins don't match. Please include at least one valid login for this identity or identity pool.",
  unsupportedProvider: "Token is not from a supported provider of this identity pool.",
  invalidLoginToken: "Invalid login token. Not a valid OpenId Connect identity token.",
  badConfiguration: "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
  ambiguousDenied: "The ambiguous role mapping rules denied this request.",
  classicFlowDisabled: "Basic (classic) flow is not enabled, please use enhanced flow.",
  badRoleMappingProvider: (key: string) => `${key} is not a valid RoleMapping ProviderName or is not a configured provider.`,
  tooManyLogins: `1 validation error detected: Value at 'logins' failed to satisfy constraint: Member must have length less than or equal to 10`,
} as const;
