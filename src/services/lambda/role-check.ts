/**
 * CreateFunction's execution role check, as Lambda makes it: the role must exist in IAM and its trust policy
 * must let lambda.amazonaws.com assume it, else InvalidParameterValueException. It applies with --enforce-iam:
 * without it Skyport checks no identity, and any well-formed role ARN is accepted (the model's pattern,
 * functions.ts) — as local tools and scripts that never create roles expect.
 */
import { ServiceError } from "../../aws/errors.js";
import type { ServiceHost } from "../host.js";
import type { IamProvider } from "../iam/provider.js";

export async function checkExecutionRole(services: ServiceHost, roleArn: string | undefined): Promise<void> {
  if (roleArn === undefined) return; // the model's required-member check answers a missing Role
  if (!services.config.enforceIam) return;
  const iam = (await services.get("iam")) as IamProvider | undefined;
  if (!iam) return;
  const role = iam.roleByArn(roleArn);
  if (!role || !iam.trusts(role, { Service: "lambda.amazonaws.com" }, "sts:AssumeRole")) {
    throw new ServiceError("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.", 400);
  }
}
