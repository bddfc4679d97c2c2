/**
 * STS — GetCallerIdentity: the account comes from the access key (a 12-digit key id is the account id,
 * any other key maps to 000000000000), the ARN is the account root, as for root credentials on AWS.
 * Gaps: AssumeRole and the other credential-vending operations are not implemented yet.
 */
import type { GetCallerIdentityInput, GetCallerIdentityOutput, StsHandlers } from "../../aws/api/sts.js";
import type { RequestContext } from "../../edge/context.js";

export class StsProvider implements StsHandlers {
  GetCallerIdentity(ctx: RequestContext, _input: GetCallerIdentityInput): GetCallerIdentityOutput {
    return { UserId: ctx.accountId, Account: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root` };
  }
}

export const createProvider = () => new StsProvider();
