/**
 * STS: temporary credentials Skyport really recognises (CredentialRegistry: key, secret and session token,
 * expiring) for AssumeRole (the role's trust policy must allow the caller: principal, external id, session tags
 * through sts:TagSession; DurationSeconds within the role's MaxSessionDuration, 1 hour when chaining; inline and
 * managed session policies), AssumeRoleWithWebIdentity (token verified against the role account's OIDC provider:
 * issuer, audience, JWKS signature, expiry; Cognito identity pools' OpenID tokens need no provider), GetSessionToken, GetFederationToken, GetAccessKeyInfo, and
 * GetCallerIdentity for every kind of principal (root, IAM user, assumed role, federated user).
 * Under --enforce-iam AssumeRole also needs the caller's identity policy to allow sts:AssumeRole when the trust
 * policy trusts only the caller's account (or the role is in another account), as AWS decides it.
 * Gaps: AssumeRoleWithSAML and DecodeAuthorizationMessage are not implemented; transitive session tags are not
 * carried through role chains; MFA (SerialNumber/TokenCode) is accepted and not checked; issued sessions live in
 * memory (a restart forgets them).
 */
import type { AssumeRoleInput, AssumeRoleOutput, AssumeRoleWithWebIdentityInput, AssumeRoleWithWebIdentityOutput, GetAccessKeyInfoInput, GetAccessKeyInfoOutput, GetCallerIdentityInput, GetCallerIdentityOutput, GetFederationTokenInput, GetFederationTokenOutput, GetSessionTokenInput, GetSessionTokenOutput, StsHandlers } from "../../aws/api/sts.js";
import { accessDeniedError } from "../../aws/policy/denied.js";
import { evaluate } from "../../aws/policy/evaluate.js";
import type { SessionCredentials } from "../../aws/credentials.js";
import { ServiceError } from "../../aws/errors.js";
import type { CallerIdentity, ConditionValue } from "../../aws/policy/types.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import type { IamProvider } from "../iam/provider.js";
import type { OidcEntity, RoleEntity } from "../iam/model.js";
import { checkPolicyDocument } from "../iam/validate.js";
import { peekToken, verifyToken } from "./web-identity.js";
import type { JWTPayload } from "jose";

/** The issuer of Cognito identity pools' OpenID tokens (cognito-identity/constants.ts). */
const COGNITO_IDENTITY_ISSUER = "https://cognito-identity.amazonaws.com";

const validation = (m: string) => new ServiceError("ValidationError", m, 400);
const denied = (m: string) => new ServiceError("AccessDenied", m, 403);
const SESSION_NAME = /^[\w+=,.@-]*$/;
const PACKED_LIMIT_CHARS = 2048;

export class StsProvider implements StsHandlers {
  constructor(private readonly env: ServiceEnv) {}

  private async iam(): Promise<IamProvider> {
    return (await this.env.services.get("iam")) as IamProvider;
  }

  /** Who is calling: IAM's answer, else (a key IAM does not know, signatures not enforced) the account root. */
  private async caller(ctx: RequestContext): Promise<CallerIdentity> {
    const known = (await this.iam()).identify(ctx.principal.accessKeyId);
    if (known) return known;
    const arn = `arn:aws:iam::${ctx.accountId}:root`;
    return { accountId: ctx.accountId, arn, principalArn: arn, userId: ctx.accountId, kind: "root", identityPolicies: [], principalTags: {}, allPowerful: true };
  }

  async GetCallerIdentity(ctx: RequestContext, _input: GetCallerIdentityInput): Promise<GetCallerIdentityOutput> {
    const known = ctx.principal.anonymous ? undefined : (await this.iam()).identify(ctx.principal.accessKeyId);
    if (known) return { UserId: known.userId, Account: known.accountId, Arn: known.arn };
    const s = this.env.services.credentials.session(ctx.principal.accessKeyId);
    if (s) return { UserId: s.userId ?? s.accessKeyId, Account: s.accountId, Arn: s.arn }; // a function session whose role is not in IAM
    return { UserId: ctx.accountId, Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root` };
  }

  GetAccessKeyInfo(ctx: RequestContext, input: GetAccessKeyInfoInput): GetAccessKeyInfoOutput {
    const id = input.AccessKeyId ?? "";
    if (id.length < 16 || id.length > 128 || !/^\w+$/.test(id)) throw validation(`1 validation error detected: Value '${id}' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]*`);
    return { Account: this.env.services.credentials.accountFor(id) ?? ctx.accountId };
  }

  async AssumeRole(ctx: RequestContext, input: AssumeRoleInput): Promise<AssumeRoleOutput> {
    checkSessionName(input.RoleSessionName, "roleSessionName", 64);
    const caller = await this.caller(ctx);
    const iam = await this.iam();
    const role = iam.roleByArn(input.RoleArn ?? "");
    const roleArn = input.RoleArn ?? "";
    const notAuthorized = (action = "sts:AssumeRole") => denied(`User: ${caller.arn} is not authorized to perform: ${action} on resource: ${roleArn}`);
    if (!role) throw notAuthorized();
    // Request context (keys lower-cased); the caller's own keys (aws:PrincipalArn, aws:PrincipalTag/…) come from the evaluator.
    const context: Record<string, ConditionValue> = { "aws:requestedregion": ctx.region };
    if (input.ExternalId !== undefined) context["sts:externalid"] = input.ExternalId;
    if (input.RoleSessionName !== undefined) context["sts:rolesessionname"] = input.RoleSessionName;
    if (input.SourceIdentity !== undefined) context["sts:sourceidentity"] = input.SourceIdentity;
    for (const t of input.Tags ?? []) context[`aws:requesttag/${t.Key.toLowerCase()}`] = t.Value;
    if (input.Tags?.length) context["aws:tagkeys"] = input.Tags.map((t) => t.Key);
    const who = { AWS: caller };
    if (!iam.trusts(role, who, "sts:AssumeRole", context)) throw notAuthorized();
    if (input.Tags?.length && !iam.trusts(role, who, "sts:TagSession", context)) throw notAuthorized("sts:TagSession");
    // Under enforcement, AWS's full decision: the trust policy is the role's resource policy; naming the caller
    // itself suffices in the same account, naming its account (or another account) needs its identity policy too.
    if (this.env.config.enforceIam && !caller.allPowerful) {
      const d = evaluate({ action: "sts:AssumeRole", resource: roleArn, caller, context, resourcePolicy: role.trust, resourceAccountId: roleArn.split(":")[4] ?? "" });
      if (d.decision !== "Allow") throw accessDeniedError("sts", { action: "sts:AssumeRole", resource: roleArn, caller }, d);
    }
    const duration = this.roleDuration(input.DurationSeconds, role, caller.kind === "assumed-role");
    const policies = this.sessionPolicies(iam, role.arn.split(":")[4]!, input.Policy, input.PolicyArns);
    const tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key, t.Value]));
    const packed = this.packedSize(input.Policy, input.PolicyArns, input.Tags);
    const creds = this.issueRoleSession(role, input.RoleSessionName, duration, policies, tags);
    iam.markRoleUsed(role, ctx.region);
    const out: AssumeRoleOutput = { Credentials: credentialsOut(creds), AssumedRoleUser: { AssumedRoleId: creds.userId!, Arn: creds.arn } };
    if (packed !== undefined) out.PackedPolicySize = packed;
    if (input.SourceIdentity !== undefined) out.SourceIdentity = input.SourceIdentity;
    return out;
  }

  async AssumeRoleWithWebIdentity(ctx: RequestContext, input: AssumeRoleWithWebIdentityInput): Promise<AssumeRoleWithWebIdentityOutput> {
    checkSessionName(input.RoleSessionName, "roleSessionName", 64);
    const iam = await this.iam();
    const claims = peekToken(input.WebIdentityToken);
    const roleArn = input.RoleArn ?? "";
    const account = roleArn.split(":")[4] ?? "";
    const issuer = typeof claims.iss === "string" ? claims.iss.replace(/\/$/, "") : "";
    // Cognito identity pools' OpenID tokens (basic flow and, in process, the enhanced one) need no IAM OIDC provider:
    // cognito-identity.amazonaws.com is a federated principal of its own, as on AWS.
    const cognito = issuer === COGNITO_IDENTITY_ISSUER;
    const provider = cognito ? undefined : iam.oidcByIssuer(account, issuer);
    if (!cognito && !provider) throw new ServiceError("InvalidIdentityToken", `No OpenIDConnect provider found in your account for ${issuer}`, 400);
    const payload = provider ? await verifyToken(input.WebIdentityToken, issuer, provider.clientIds, this.env.clock.now()) : await this.cognitoIdentityToken(input.WebIdentityToken);
    return this.webIdentitySession(ctx, input, payload, issuer, provider);
  }

  /**
   * Cognito identity pools' enhanced flow (GetCredentialsForIdentity), in process: AssumeRoleWithWebIdentity for the
   * claims of an OpenID token that service would issue — the same trust check and session — without signing and
   * verifying a token between two parts of the same server.
   */
  async assumeRoleForCognitoIdentity(ctx: RequestContext, roleArn: string, sessionName: string, claims: JWTPayload, seconds: number): Promise<AssumeRoleWithWebIdentityOutput> {
    return this.webIdentitySession(ctx, { RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: seconds }, claims, COGNITO_IDENTITY_ISSUER, undefined);
  }

  /** The trust check and session of AssumeRoleWithWebIdentity, once the token's claims are verified. */
  private async webIdentitySession(ctx: RequestContext, input: Omit<AssumeRoleWithWebIdentityInput, "WebIdentityToken">, payload: JWTPayload, issuer: string, provider: OidcEntity | undefined): Promise<AssumeRoleWithWebIdentityOutput> {
    const iam = await this.iam();
    const roleArn = input.RoleArn ?? "";
    const account = roleArn.split(":")[4] ?? "";
    const role = iam.roleByArn(roleArn);
    const notAuthorized = denied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    if (!role) throw notAuthorized;
    const host = provider ? provider.arn.slice(provider.arn.indexOf("oidc-provider/") + "oidc-provider/".length) : COGNITO_IDENTITY_ISSUER.slice("https://".length);
    const clientIds = provider ? provider.clientIds : [String(payload.aud)];
    const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud !== undefined ? [payload.aud] : [];
    const h = host.toLowerCase();
    const context: Record<string, ConditionValue> = { [`${h}:aud`]: aud, [`${h}:iss`]: issuer, "sts:rolesessionname": input.RoleSessionName };
    if (payload.sub !== undefined) context[`${h}:sub`] = payload.sub;
    if (Array.isArray(payload.amr)) context[`${h}:amr`] = payload.amr.map(String);
    if (!iam.trusts(role, { Federated: provider ? provider.arn : host }, "sts:AssumeRoleWithWebIdentity", context)) throw notAuthorized;
    const duration = this.roleDuration(input.DurationSeconds, role, false);
    const policies = this.sessionPolicies(iam, account, input.Policy, input.PolicyArns);
    const creds = this.issueRoleSession(role, input.RoleSessionName, duration, policies, {});
    iam.markRoleUsed(role, ctx.region);
    const out: AssumeRoleWithWebIdentityOutput = {
      Credentials: credentialsOut(creds),
      SubjectFromWebIdentityToken: payload.sub,
      AssumedRoleUser: { AssumedRoleId: creds.userId!, Arn: creds.arn },
      Provider: host,
      Audience: aud.find((a) => clientIds.includes(a)),
    };
    const packed = this.packedSize(input.Policy, input.PolicyArns, undefined);
    if (packed !== undefined) out.PackedPolicySize = packed;
    return out;
  }

  /** A Cognito identity pool's OpenID token, verified by that service (its key never leaves it). */
  private async cognitoIdentityToken(token: string): Promise<JWTPayload> {
    const ci = (await this.env.services.get("cognito-identity")) as { verifyOpenIdToken(t: string): Promise<JWTPayload> } | undefined;
    if (!ci) throw new ServiceError("InvalidIdentityToken", "Couldn't verify the token's signature with the identity provider's keys", 400);
    return ci.verifyOpenIdToken(token);
  }

  async GetSessionToken(ctx: RequestContext, input: GetSessionTokenInput): Promise<GetSessionTokenOutput> {
    const caller = await this.caller(ctx);
    if (caller.kind === "assumed-role" || caller.kind === "federated-user" || this.env.services.credentials.session(ctx.principal.accessKeyId)) throw denied("Cannot call GetSessionToken with session credentials");
    const duration = checkDuration(input.DurationSeconds, 43200, caller.kind === "root" ? 3600 : 129600);
    const creds = this.env.services.credentials.issue({ accountId: caller.accountId, arn: caller.arn, kind: "session", ttlMs: duration * 1000, principalKind: "user-session", parentAccessKeyId: ctx.principal.accessKeyId, userId: caller.userId });
    return { Credentials: credentialsOut(creds) };
  }

  async GetFederationToken(ctx: RequestContext, input: GetFederationTokenInput): Promise<GetFederationTokenOutput> {
    checkSessionName(input.Name, "name", 32);
    const caller = await this.caller(ctx);
    if (caller.kind !== "root" && caller.kind !== "user") throw denied("Cannot call GetFederationToken with session credentials");
    const duration = checkDuration(input.DurationSeconds, 43200, caller.kind === "root" ? 3600 : 129600);
    const iam = await this.iam();
    // Without a session policy a federated user has no permissions (AWS); an empty list says so to the evaluator.
    const policies = this.sessionPolicies(iam, caller.accountId, input.Policy, input.PolicyArns);
    const arn = `arn:aws:sts::${caller.accountId}:federated-user/${input.Name}`;
    const userId = `${caller.accountId}:${input.Name}`;
    const tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key, t.Value]));
    const creds = this.env.services.credentials.issue({ accountId: caller.accountId, arn, kind: "session", ttlMs: duration * 1000, principalKind: "federated-user", parentAccessKeyId: ctx.principal.accessKeyId, sessionPolicies: policies ?? [], tags, userId });
    const out: GetFederationTokenOutput = { Credentials: credentialsOut(creds), FederatedUser: { FederatedUserId: userId, Arn: arn } };
    const packed = this.packedSize(input.Policy, input.PolicyArns, input.Tags);
    if (packed !== undefined) out.PackedPolicySize = packed;
    return out;
  }

  /**
   * AssumeRole made by an AWS service on the owner's behalf (Batch for a job role, API Gateway for an integration's
   * credentials): the same role lookup, trust check (the service principal must be trusted for sts:AssumeRole),
   * session and RoleLastUsed as a user's AssumeRole. Undefined when the role does not exist or does not trust it.
   */
  async assumeRoleForService(servicePrincipal: string, roleArn: string, sessionName: string, seconds: number, kind: SessionCredentials["kind"], region: string): Promise<SessionCredentials | undefined> {
    const iam = await this.iam();
    const role = iam.roleByArn(roleArn);
    if (!role || !iam.trusts(role, { Service: servicePrincipal }, "sts:AssumeRole", { "aws:requestedregion": region, "sts:rolesessionname": sessionName })) return undefined;
    // Not capped by the role's MaxSessionDuration, which bounds AssumeRole calls: a service's sessions last as long
    // as its work (ECS keeps a task's role credentials fresh; a job here gets one session for its attempt).
    const creds = this.issueRoleSession(role, sessionName, seconds, undefined, {}, kind);
    iam.markRoleUsed(role, region);
    return creds;
  }

  private issueRoleSession(role: RoleEntity, sessionName: string, seconds: number, policies: string[] | undefined, tags: Record<string, string>, kind: SessionCredentials["kind"] = "session"): SessionCredentials {
    const account = role.arn.split(":")[4]!;
    return this.env.services.credentials.issue({
      accountId: account,
      arn: `arn:aws:sts::${account}:assumed-role/${role.name}/${sessionName}`,
      kind,
      ttlMs: seconds * 1000,
      principalKind: "assumed-role",
      roleArn: role.arn,
      sessionPolicies: policies,
      tags,
      userId: `${role.id}:${sessionName}`,
    });
  }

  private roleDuration(requested: number | undefined, role: RoleEntity, chained: boolean): number {
    const d = checkDuration(requested, 3600, 43200);
    if (chained && d > 3600) throw validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
    if (d > role.maxSession) throw validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    return d;
  }

  /** The session policies' documents (inline first), or undefined when none was passed. */
  private sessionPolicies(iam: IamProvider, account: string, inline: string | undefined, arns: Array<{ arn?: string }> | undefined): string[] | undefined {
    if (inline === undefined && !arns?.length) return undefined;
    const docs: string[] = [];
    if (inline !== undefined) docs.push(checkPolicyDocument(inline, "identity", "managed"));
    if ((arns?.length ?? 0) > 10) throw validation("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10");
    for (const { arn } of arns ?? []) {
      const doc = arn ? iam.managedPolicyDocument(account, arn) : undefined;
      if (!doc) throw new ServiceError("InvalidParameterValue", `The policy ${arn ?? ""} does not exist or is not attachable.`, 400);
      docs.push(doc);
    }
    return docs;
  }

  /** PackedPolicySize: the percentage of the packed-policy allowance the session policies and tags use. */
  private packedSize(inline: string | undefined, arns: Array<{ arn?: string }> | undefined, tags: Array<{ Key: string; Value: string }> | undefined): number | undefined {
    if (inline === undefined && !arns?.length && !tags?.length) return undefined;
    const chars = (inline ?? "").replace(/\s/g, "").length + (arns ?? []).reduce((n, a) => n + (a.arn?.length ?? 0), 0) + (tags ?? []).reduce((n, t) => n + t.Key.length + t.Value.length, 0);
    const pct = Math.ceil((chars / PACKED_LIMIT_CHARS) * 100);
    if (pct > 100) throw new ServiceError("PackedPolicyTooLarge", `Packed policy consumes ${pct}% of allotted space, please use smaller policy.`, 400);
    return pct;
  }
}

function checkSessionName(v: string | undefined, member: string, max: number): void {
  const s = v ?? "";
  if (s.length < 2 || s.length > max) throw validation(`1 validation error detected: Value '${s}' at '${member}' failed to satisfy constraint: Member must have length ${s.length < 2 ? "greater than or equal to 2" : `less than or equal to ${max}`}`);
  if (!SESSION_NAME.test(s)) throw validation(`1 validation error detected: Value '${s}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
}

function checkDuration(v: number | undefined, dflt: number, max: number): number {
  if (v === undefined) return Math.min(dflt, max);
  if (v < 900) throw validation(`1 validation error detected: Value '${v}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  if (v > max) throw validation(`1 validation error detected: Value '${v}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  return v;
}

function credentialsOut(c: SessionCredentials) {
  // STS answers whole seconds.
  return { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: new Date(Math.floor(c.expiresAt / 1000) * 1000) };
}

export const createProvider = (env: ServiceEnv) => new StsProvider(env);
