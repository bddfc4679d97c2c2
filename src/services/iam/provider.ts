/**
 * IAM (query protocol; global — ARNs carry no region): users, groups, roles (trust policies, max session
 * duration, permissions boundaries, tags, service-linked roles), inline policies, customer managed policies with
 * versions (default version, 5-version limit), AWS managed policies by ARN (managed-policies.ts), attachments,
 * instance profiles, access keys (a new key is a credential Skyport recognises: CredentialRegistry), login
 * profiles, virtual MFA devices, account alias, password policy, OIDC/SAML providers,
 * GetAccountAuthorizationDetails, GetAccountSummary, SimulatePrincipalPolicy/SimulateCustomPolicy (the policy
 * evaluator; no matched statement positions). Policy documents come back URL-encoded, as AWS sends them.
 * It is also the IdentitySource of --enforce-iam (identity.ts).
 *
 * The operations live in a chain of classes, one concept each: base → principals → roles → users (and groups,
 * login profiles, MFA) → policies (and access keys) → account → identity → simulate → this provider.
 *
 * Known gaps: credential reports, service-specific credentials, SSH public keys, server and signing certificates,
 * access advisor (GenerateServiceLastAccessedDetails), organizations' SCPs answer NotImplemented. Policy documents
 * are validated by src/aws/policy/validate.ts. Login passwords are stored hashed and checked against nothing
 * (there is no console). MFA devices are stored; codes are not verified. GetUser without a name from a role
 * session answers the root user.
 */
import type { ServiceEnv } from "../host.js";
import { IamSimulate } from "./simulate.js";

export class IamProvider extends IamSimulate {
  constructor(env: ServiceEnv) {
    super(env);
    this.loadKeys();
  }

  reset(): void {
    this.credentials.clearUserKeys();
  }
}

export const createProvider = (env: ServiceEnv) => new IamProvider(env);
