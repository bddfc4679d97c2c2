/** Limits, defaults and fixed texts of Cognito user pools, as AWS documents them. */
import type { CustomAttributesItem } from "../../aws/api/cognito-idp.js";

export const Limits = {
  MAX_POOLS_PAGE: 60,
  MAX_USERS_PAGE: 60,
  MAX_CLIENTS_PAGE: 60,
  MAX_GROUPS_PAGE: 60,
  MAX_CUSTOM_ATTRIBUTES: 50,
  /** Confirmation and reset codes: 6 digits, valid 24 hours (sign-up) / 1 hour (forgot password). */
  CONFIRMATION_CODE_TTL_MS: 24 * 3600 * 1000,
  RESET_CODE_TTL_MS: 3600 * 1000,
  /** Challenge sessions (SRP, NEW_PASSWORD_REQUIRED): AuthSessionValidity default 3 minutes. */
  AUTH_SESSION_TTL_MS: 3 * 60 * 1000,
  MAX_FILTER_LENGTH: 256,
  MAX_ATTRIBUTE_VALUE_LENGTH: 2048,
} as const;

/** Token validity defaults (AWS: ID and access 60 minutes, refresh 30 days) and allowed ranges. */
export const TokenDefaults = {
  ACCESS_SECONDS: 3600,
  ID_SECONDS: 3600,
  REFRESH_SECONDS: 30 * 24 * 3600,
} as const;

export const DEFAULT_PASSWORD_POLICY = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
} as const;

/** The special characters Cognito counts as symbols (developer guide, "Password policies"). */
export const PASSWORD_SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/** The access token scope of user-pool sign-ins (the user may call the self-service APIs). */
export const ADMIN_SCOPE = "aws.cognito.signin.user.admin";

const str = (name: string, mutable = true, required = false, min = "0", max = "2048"): CustomAttributesItem => ({
  Name: name,
  AttributeDataType: "String",
  DeveloperOnlyAttribute: false,
  Mutable: mutable,
  Required: required,
  StringAttributeConstraints: { MinLength: min, MaxLength: max },
});
const bool = (name: string): CustomAttributesItem => ({ Name: name, AttributeDataType: "Boolean", DeveloperOnlyAttribute: false, Mutable: true, Required: false });

/** The standard attributes every pool has, as DescribeUserPool lists them. */
export const STANDARD_SCHEMA: readonly CustomAttributesItem[] = [
  str("sub", false, true, "1", "2048"),
  str("name"), str("given_name"), str("family_name"), str("middle_name"), str("nickname"), str("preferred_username"),
  str("profile"), str("picture"), str("website"), str("email"), bool("email_verified"), str("gender"),
  str("birthdate", true, false, "10", "10"), str("zoneinfo"), str("locale"), str("phone_number"), bool("phone_number_verified"),
  str("address"),
  { Name: "updated_at", AttributeDataType: "Number", DeveloperOnlyAttribute: false, Mutable: true, Required: false, NumberAttributeConstraints: { MinValue: "0" } },
];
export const STANDARD_NAMES: ReadonlySet<string> = new Set(STANDARD_SCHEMA.map((a) => a.Name!));

export const AUTH_FLOWS = [
  "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH",
  "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
] as const;

export const Messages = {
  badCredentials: "Incorrect username or password.",
  userMissing: "User does not exist.",
  userNotConfirmed: "User is not confirmed.",
  userDisabled: "User is disabled.",
  userExists: "User already exists",
  adminUserExists: "User account already exists",
  codeMismatch: "Invalid verification code provided, please try again.",
  codeExpired: "Invalid code provided, please request a code again.",
  badRefresh: "Invalid Refresh Token",
  badAccessToken: "Invalid Access Token",
  revokedAccessToken: "Access Token has been revoked",
  groupMissing: "Group not found.",
} as const;
