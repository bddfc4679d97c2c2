/** Shared set-up of the Cognito tests: a server whose info log is captured (codes and temporary passwords are logged there). */
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { createLogger } from "../../src/core/log.js";
import { startServer, type TestServer } from "../helpers/skyport.js";

export interface CognitoTestServer extends TestServer {
  cognito: CognitoIdentityProviderClient;
  /** The last code logged for a user ("cognito: <what> code for USER in POOL: 123456"). */
  lastCode(user: string, what?: string): string | undefined;
  lines: string[];
}

export async function startCognitoServer(overrides: Record<string, string | boolean> = {}): Promise<CognitoTestServer> {
  const lines: string[] = [];
  const log = createLogger("info", (l) => {
    if (l.includes("cognito:")) lines.push(l);
  });
  const server = await startServer(overrides, { log });
  return {
    ...server,
    lines,
    cognito: new CognitoIdentityProviderClient(server.clientConfig),
    lastCode(user: string, what = "confirmation") {
      const prefix = `cognito: ${what} code for ${user} in `;
      for (let i = lines.length - 1; i >= 0; i--) {
        const at = lines[i]!.indexOf(prefix);
        if (at >= 0) return /: (\d{6})/.exec(lines[i]!.slice(at + prefix.length))?.[1];
      }
      return undefined;
    },
  };
}
