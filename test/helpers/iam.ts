/**
 * Execution roles for tests that create Lambda functions: CreateFunction checks that the role exists in IAM and
 * trusts lambda.amazonaws.com, as AWS does. Creates arn:aws:iam::000000000000:role/r and …/role/test (the names
 * the tests use); an existing role is left as it is.
 */
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import type { TestServer } from "./skyport.js";

export const LAMBDA_TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });

export async function createLambdaRoles(server: Pick<TestServer, "clientConfig">, names: string[] = ["r", "test"]): Promise<string[]> {
  const iam = new IAMClient(server.clientConfig);
  const arns: string[] = [];
  for (const name of names) {
    try {
      const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST }));
      arns.push(out.Role!.Arn!);
    } catch (e) {
      if ((e as { name?: string }).name !== "EntityAlreadyExistsException") throw e;
      arns.push(`arn:aws:iam::000000000000:role/${name}`);
    }
  }
  iam.destroy();
  return arns;
}
