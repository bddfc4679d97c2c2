/**
 * Data planes served on the API port besides the AWS APIs (execute-api, Lambda function URLs). Each entry
 * is a cheap host/path test plus a lazily loaded handler; none loads its service until it matches.
 */
import type { DataPlane } from "../edge/edge.js";
import type { ServiceHost } from "./host.js";

export const DATA_PLANES: Array<(services: ServiceHost) => DataPlane> = [
  // Lambda: the Runtime API of execution environments, and code downloads (GetFunction's Code.Location).
  (services) => ({
    matches: (_host, path) => path.startsWith("/_aws/lambda-runtime/") || path.startsWith("/_aws/lambda/code/"),
    maxBodyBytes: 7 * 1024 * 1024,
    async handle(req) {
      const lambda = (await services.get("lambda")) as { handleDataPlane(r: typeof req): Promise<import("../aws/protocol/types.js").HttpResponse> };
      return lambda.handleDataPlane(req);
    },
  }),
];
