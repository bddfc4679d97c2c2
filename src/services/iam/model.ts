/** The IAM objects as stored (JSON bodies of iam_entities). Times are epoch ms. */
export type Tag = { Key: string; Value: string };

export interface PrincipalBase {
  name: string;
  path: string;
  id: string;
  arn: string;
  created: number;
  /** Inline policies: name → document (as given). */
  inline: Record<string, string>;
  /** Attached managed policy ARNs, in attach order. */
  attached: string[];
}

export interface UserEntity extends PrincipalBase {
  tags: Tag[];
  boundary?: string;
  /** Group names (as spelled at creation). */
  groups: string[];
  passwordLastUsed?: number;
}

export type GroupEntity = PrincipalBase;

export interface RoleEntity extends PrincipalBase {
  tags: Tag[];
  boundary?: string;
  trust: string;
  description?: string;
  maxSession: number;
  lastUsed?: { at: number; region: string };
  /** For AWSServiceRoleFor* roles: the service that owns it (deletion goes through DeleteServiceLinkedRole). */
  serviceLinked?: string;
}

export interface PolicyVersionEntity {
  id: string;
  document: string;
  created: number;
}

export interface PolicyEntity {
  name: string;
  path: string;
  id: string;
  arn: string;
  created: number;
  updated: number;
  description?: string;
  tags: Tag[];
  defaultVersion: string;
  versions: PolicyVersionEntity[];
  nextVersion: number;
}

export interface InstanceProfileEntity {
  name: string;
  path: string;
  id: string;
  arn: string;
  created: number;
  roles: string[];
  tags: Tag[];
}

export interface OidcEntity {
  arn: string;
  url: string;
  clientIds: string[];
  thumbprints: string[];
  created: number;
  tags: Tag[];
}

export interface SamlEntity {
  arn: string;
  name: string;
  metadata: string;
  created: number;
  validUntil: number;
  tags: Tag[];
}

export interface LoginProfileEntity {
  user: string;
  created: number;
  resetRequired: boolean;
  passwordHash: string;
}

export interface MfaEntity {
  serial: string;
  user?: string;
  enabled?: number;
  created: number;
  tags: Tag[];
}

/** Account-wide settings (one row, name "account"). */
export interface AccountEntity {
  aliases: string[];
  passwordPolicy?: Record<string, unknown>;
}
