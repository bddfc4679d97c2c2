/**
 * IAM (query protocol; global — ARNs carry no region): users, groups, roles (trust policies, max session
 * duration, permissions boundaries, tags, service-linked roles), inline policies, customer managed policies with
 * versions (default version, 5-version limit), AWS managed policies by ARN (managed-policies.ts), attachments,
 * instance profiles, access keys (a new key is a credential Skyport recognises: CredentialRegistry), login
 * profiles, virtual MFA devices, account alias, password policy, OIDC/SAML providers,
 * GetAccountAuthorizationDetails, GetAccountSummary. Policy documents come back URL-encoded, as AWS sends them.
 * It is also the IdentitySource of --enforce-iam (identity.ts).
 *
 * The operations live in a chain of classes, one concept each: base → principals → roles → users (and groups,
 * login profiles, MFA) → policies (and access keys) → account → identity → this provider.
 *
 * Known gaps: SimulatePrincipalPolicy/SimulateCustomPolicy, credential reports, service-specific credentials,
 * SSH public keys, server and signing certificates, organizations' service control policies, access advisor
 * (GenerateServiceLastAccessedDetails) answer NotImplemented. Policy documents are checked for structure and
 * size (validate.ts), not yet for every grammar rule AWS applies. Login passwords are stored hashed and checked
 * against nothing (there is no console). MFA devices are stored; codes are not verified.
 */
import type { ServiceEnv } from "../host.js";
import { IamIdentity } from "./identity.js";

export class IamProvider extends IamIdentity {
  constructor(env: ServiceEnv) {
    super(env);
    this.loadKeys();
  }

  reset(): void {
    this.credentials.clearUserKeys();
  }
}

export const createProvider = (env: ServiceEnv) => new IamProvider(env);
