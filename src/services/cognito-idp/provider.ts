/**
 * Cognito user pools (cognito-idp, json 1.1). Files: pools.ts (pools, app clients, groups, resource servers),
 * users.ts (sign-up, confirmation, Admin* users, passwords, self-service with access tokens, membership),
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
 * Known gaps: MFA settings are stored but sign-in never asks for MFA (no SMS_MFA/SOFTWARE_TOKEN_MFA
 * challenges, no AssociateSoftwareToken); CUSTOM_AUTH and USER_AUTH flows, devices, identity providers,
 * domains and the hosted UI (/oauth2/authorize, /login), user import jobs, risk configuration, log delivery,
 * UI customization and tags APIs answer NotImplementedException or InvalidParameterException;
 * preferred_username aliases are not used for sign-in; attribute verification (GetUserAttributeVerificationCode,
 * VerifyUserAttribute) is not implemented; password history is not kept; the PostConfirmation trigger is not
 * run for users auto-confirmed by PreSignUp; DefineAuthChallenge/CreateAuthChallenge/VerifyAuthChallengeResponse,
 * UserMigration and the custom sender triggers are stored and never invoked.
 */
import type { CognitoIdpHandlers } from "../../aws/api/cognito-idp.js";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import type { ServiceEnv } from "../host.js";
import { AuthOperations } from "./auth.js";
import { Core } from "./core.js";
import { handlePublic } from "./public-endpoints.js";
import { CognitoStore } from "./store.js";
import { clearKeyCache } from "./tokens.js";

export class CognitoIdpProvider extends AuthOperations implements CognitoIdpHandlers {
  constructor(private readonly env: ServiceEnv) {
    super(new Core(new CognitoStore(env.store), env));
    env.store.onReset(() => clearKeyCache());
  }

  /** The public endpoints (JWKS, OpenID configuration, OAuth2); undefined when the path is none of them. */
  handlePublic(req: HttpRequest, endpoint: string): Promise<HttpResponse | undefined> {
    const base = { requestId: this.env.ids.uuid(), accountId: "000000000000", region: this.env.config.region, principal: { accessKeyId: "", anonymous: true }, clock: this.env.clock, endpoint };
    return handlePublic(this.core, this.triggers, req, endpoint, base);
  }

  reset(): void {
    clearKeyCache();
  }
}

export const createProvider = (env: ServiceEnv) => new CognitoIdpProvider(env);
