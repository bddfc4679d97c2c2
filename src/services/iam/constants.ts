/** IAM limits and defaults (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). */
export const Limits = {
  NAME_MAX: 64,
  ROLE_NAME_MAX: 64,
  USER_NAME_MAX: 64,
  GROUP_NAME_MAX: 128,
  POLICY_NAME_MAX: 128,
  TAGS_MAX: 50,
  MANAGED_POLICY_CHARS: 6144,
  USER_INLINE_CHARS: 2048,
  GROUP_INLINE_CHARS: 5120,
  ROLE_INLINE_CHARS: 10240,
  TRUST_POLICY_CHARS: 2048,
  POLICY_VERSIONS_MAX: 5,
  ACCESS_KEYS_PER_USER: 2,
  ATTACHED_POLICIES_MAX: 10,
  ROLES_PER_INSTANCE_PROFILE: 1,
  DEFAULT_SESSION_SECONDS: 3600,
} as const;

/** Unique-id prefixes IAM uses (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids). */
export const IdPrefix = { user: "AIDA", group: "AGPA", role: "AROA", policy: "ANPA", "instance-profile": "AIPA", accessKey: "AKIA" } as const;
