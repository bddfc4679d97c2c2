/**
 * Cognito user pools (cognito-idp, json 1.1). Files: pools.ts (pools, app clients, groups, resource servers),
 * users.ts (sign-up, confirmation, Admin* users, passwords, membership), self-service.ts (access-token calls),
 * auth.ts (InitiateAuth/RespondToAuthChallenge and the Admin forms; SRP in srp.ts), issue.ts and tokens.ts
 * (RS256 tokens, one key pair per pool), triggers.ts (Lambda triggers invoked in process),
 * public-endpoints.ts (JWKS, OpenID configuration, /oauth2/token, /oauth2/userInfo on the main port).
 *
 * Deliberate differences: no email or SMS is sent — confirmation and reset codes and temporary passwords are
 * written to the server log at info ("cognito: confirmation code for USER in POOL: 123456"); SignUp makes a
 * confirmation code even when the pool auto-verifies nothing (AWS then sends none and the user needs
 * AdminConfirmSignUp). The token issuer is `${endpoint}/${poolId}` (the endpoint the client reached), not
 * https://cognito-idp.REGION.amazonaws.com. Refresh tokens are opaque strings, not JWEs. The PASSWORD_VERIFIER
 * SECRET_BLOCK is a random key of stored server state, not an encrypted blob.
 *
 * verifyToken() checks a pool's tokens in process, for API Gateway's Cognito and JWT authorizers.
 *
 * Known gaps: MFA settings are stored but sign-in never asks for MFA (no SMS_MFA/SOFTWARE_TOKEN_MFA
 * challenges, no AssociateSoftwareToken); CUSTOM_AUTH and USER_AUTH flows answer InvalidParameterException;
 * devices, identity providers, domains and the hosted UI (/oauth2/authorize, /login), user import jobs, risk
 * configuration, log delivery and UI customization answer NotImplementedException. Alias uniqueness is not
 * enforced (an alias two users share signs in neither); AttributesRequireVerificationBeforeUpdate is stored, not applied (a changed email
 * takes effect at once, unverified); password history is not kept; a Lambda trigger's resource policy is not
 * checked; DefineAuthChallenge/CreateAuthChallenge/VerifyAuthChallengeResponse, UserMigration and the custom
 * sender triggers are stored and never invoked. UpdateUserPool resets the password policy, Lambda config, MFA
 * mode, deletion protection and admin-create-user config when left out (as AWS does), other settings are kept.
 */
import type { CognitoIdpHandlers } from "../../aws/api/cognito-idp.js";
import { ServiceError } from "../../aws/errors.js";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import type { ServiceEnv } from "../host.js";
import { AuthOperations } from "./auth.js";
import { Core } from "./core.js";
import { handlePublic } from "./public-endpoints.js";
import { CognitoStore } from "./store.js";
import { verifyPoolToken } from "./tokens.js";

export class CognitoIdpProvider extends AuthOperations implements CognitoIdpHandlers {
  constructor(private readonly env: ServiceEnv) {
    super(new Core(new CognitoStore(env.store), env));
    env.store.onReset(() => this.core.db.keys.clear());
  }

  /** The public endpoints (JWKS, OpenID configuration, OAuth2); undefined when the path is none of them. */
  handlePublic(req: HttpRequest, endpoint: string): Promise<HttpResponse | undefined> {
    const base = { requestId: this.env.ids.uuid(), accountId: "000000000000", region: this.env.config.region, principal: { accessKeyId: "", anonymous: true }, clock: this.env.clock, endpoint };
    return handlePublic(this.core, this.triggers, req, endpoint, base);
  }

  /**
   * For API Gateway's COGNITO_USER_POOLS authorizers and HTTP API JWT authorizers, in process: the claims of a
   * valid token (ID or access, as `use` says) issued by one of `poolIds` — signature, expiry and GlobalSignOut
   * revocation checked — or undefined.
   */
  async verifyToken(token: string, poolIds: readonly string[], use: "access" | "id" | "any" = "any"): Promise<Record<string, unknown> | undefined> {
    try {
      const { poolId, claims } = await verifyPoolToken(this.core.db, this.env, token, use);
      return poolIds.includes(poolId) ? claims : undefined;
    } catch (e) {
      if (e instanceof ServiceError) return undefined;
      throw e;
    }
  }

  reset(): void {
    this.core.db.keys.clear();
  }
}

export const createProvider = (env: ServiceEnv) => new CognitoIdpProvider(env);
