/**
 * IAM, STS and Cognito user pools ("Actions, resources, and condition keys for AWS Identity and Access
 * Management", "… for AWS Security Token Service", "… for Amazon Cognito User Pools").
 * - IAM: actions `iam:<Operation>`; the resource is the entity the operation acts on, in the order the
 *   reference lists (instance profile, group for membership changes, role, user — the caller itself when
 *   UserName is optional and absent — group, policy, providers, certificates, MFA devices); paths only
 *   known on Create* (the ARN of an existing entity with a path would need the IAM store: a known gap).
 *   Condition keys iam:PolicyARN, iam:PermissionsBoundary, iam:AWSServiceName.
 * - STS: AssumeRole on the role ARN (sts:RoleSessionName, sts:ExternalId, sts:SourceIdentity keys),
 *   GetFederationToken on the federated-user ARN; GetCallerIdentity and GetSessionToken need no permission and
 *   AssumeRoleWithWebIdentity/AssumeRoleWithSAML are unsigned: not authorised through IAM (undefined).
 * - Cognito: actions `cognito-idp:<Operation>` on `userpool/ID`; the operations a user calls with its own
 *   tokens or none (SignUp, InitiateAuth, GetUser with an access token, …) are not IAM-authorised. Identity pools:
 *   `cognito-identity:<Operation>` on `identitypool/ID`; GetId, GetCredentialsForIdentity, GetOpenIdToken and
 *   UnlinkIdentity are public.
 */
import { str, type Mapper, type MapperEnv } from "./common.js";

const iamArn = (env: MapperEnv, type: string, name: string, path?: unknown) => {
  const p = typeof path === "string" && path.startsWith("/") && path.endsWith("/") ? path : "/";
  return `arn:aws:iam::${env.accountId}:${type}${p}${name}`;
};

const CALLER_DEFAULT_USER = new Set([
  "GetUser", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey", "ListAccessKeys", "ListMFADevices", "ListSigningCertificates",
  "UploadSigningCertificate", "UpdateSigningCertificate", "DeleteSigningCertificate", "ListSSHPublicKeys", "ListServiceSpecificCredentials",
  "ChangePassword", "ListUserTags",
]);

export const mapIam: Mapper = (op, input, env) => {
  const ctx = env.context;
  const policyArn = str(input.PolicyArn);
  if (policyArn) ctx["iam:policyarn"] = policyArn;
  const boundary = str(input.PermissionsBoundary);
  if (boundary) ctx["iam:permissionsboundary"] = boundary;
  const serviceName = str(input.AWSServiceName);
  if (serviceName) ctx["iam:awsservicename"] = serviceName;
  const create = op.startsWith("Create");
  const path = create ? input.Path : undefined;

  const instanceProfile = str(input.InstanceProfileName);
  if (instanceProfile) return { resources: [iamArn(env, "instance-profile", instanceProfile, path)] };
  const group = str(input.GroupName);
  if (group && (op === "AddUserToGroup" || op === "RemoveUserFromGroup")) return { resources: [iamArn(env, "group", group)] };
  const role = str(input.RoleName);
  if (role) return { resources: [iamArn(env, "role", role, path)] };
  const user = str(input.UserName);
  if (user) return { resources: [iamArn(env, "user", user, path)] };
  if (CALLER_DEFAULT_USER.has(op)) return { resources: [env.callerArn && env.callerArn.includes(":user/") ? env.callerArn : "*"] };
  if (group) return { resources: [iamArn(env, "group", group, path)] };
  if (op === "CreatePolicy") return { resources: [iamArn(env, "policy", str(input.PolicyName) ?? "", path)] };
  if (policyArn) return { resources: [policyArn] };
  const provider = str(input.OpenIDConnectProviderArn) ?? str(input.SAMLProviderArn) ?? str(input.PolicySourceArn);
  if (provider) return { resources: [provider] };
  if (op === "CreateOpenIDConnectProvider") return { resources: [iamArn(env, "oidc-provider", (str(input.Url) ?? "").replace(/^https:\/\//, ""))] };
  if (op === "CreateSAMLProvider") return { resources: [iamArn(env, "saml-provider", str(input.Name) ?? "")] };
  const certificate = str(input.ServerCertificateName);
  if (certificate) return { resources: [iamArn(env, "server-certificate", certificate, path)] };
  const mfa = str(input.VirtualMFADeviceName);
  if (mfa) return { resources: [iamArn(env, "mfa", mfa, path)] };
  const serial = str(input.SerialNumber);
  if (serial?.startsWith("arn:")) return { resources: [serial] };
  if (op === "CreateServiceLinkedRole") return { resources: [`arn:aws:iam::${env.accountId}:role/aws-service-role/${serviceName ?? ""}/*`] };
  return { resources: ["*"] };
};

export const mapSts: Mapper = (op, input, env) => {
  switch (op) {
    case "GetCallerIdentity":
    case "GetSessionToken": // "No permissions are required for a user to get a session token" (Permissions for GetSessionToken)
    case "AssumeRoleWithWebIdentity":
    case "AssumeRoleWithSAML":
      return undefined;
    case "AssumeRole": {
      const ctx = env.context;
      for (const [member, key] of [["RoleSessionName", "sts:rolesessionname"], ["ExternalId", "sts:externalid"], ["SourceIdentity", "sts:sourceidentity"]] as const) {
        const v = str(input[member]);
        if (v) ctx[key] = v;
      }
      return { resources: [str(input.RoleArn) ?? "*"] };
    }
    case "GetFederationToken":
      return { resources: [`arn:aws:sts::${env.accountId}:federated-user/${str(input.Name) ?? ""}`] };
  }
  return { resources: ["*"] };
};

const COGNITO_PUBLIC = new Set([
  "SignUp", "ConfirmSignUp", "InitiateAuth", "RespondToAuthChallenge", "ForgotPassword", "ConfirmForgotPassword", "ResendConfirmationCode",
  "GetUser", "ChangePassword", "GlobalSignOut", "DeleteUser", "UpdateUserAttributes", "DeleteUserAttributes", "VerifyUserAttribute",
  "GetUserAttributeVerificationCode", "SetUserSettings", "SetUserMFAPreference", "AssociateSoftwareToken", "VerifySoftwareToken",
  "ConfirmDevice", "ForgetDevice", "GetDevice", "ListDevices", "UpdateDeviceStatus", "RevokeToken", "UpdateAuthEventFeedback",
]);

export const mapCognitoIdp: Mapper = (op, input, env) => {
  if (COGNITO_PUBLIC.has(op)) return undefined;
  if (op === "TagResource" || op === "UntagResource" || op === "ListTagsForResource") return { resources: [str(input.ResourceArn) ?? "*"] };
  const pool = str(input.UserPoolId);
  return { resources: [pool ? `arn:aws:cognito-idp:${env.region}:${env.accountId}:userpool/${pool}` : "*"] };
};

/** Cognito identity pools: GetId, GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity are public (token-authorised). */
const COGNITO_IDENTITY_PUBLIC = new Set(["GetId", "GetCredentialsForIdentity", "GetOpenIdToken", "UnlinkIdentity"]);

export const mapCognitoIdentity: Mapper = (op, input, env) => {
  if (COGNITO_IDENTITY_PUBLIC.has(op)) return undefined;
  if (op === "TagResource" || op === "UntagResource" || op === "ListTagsForResource") return { resources: [str(input.ResourceArn) ?? "*"] };
  const pool = str(input.IdentityPoolId);
  return { resources: [pool ? `arn:aws:cognito-identity:${env.region}:${env.accountId}:identitypool/${pool}` : "*"] };
};
