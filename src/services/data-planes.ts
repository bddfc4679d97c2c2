/**
 * Data planes served on the API port besides the AWS APIs (execute-api, Lambda function URLs). Each entry
 * is a cheap host/path test plus a lazily loaded handler; none loads its service until it matches.
 */
import type { DataPlane } from "../edge/edge.js";
import type { ServiceHost } from "./host.js";

export const DATA_PLANES: Array<(services: ServiceHost) => DataPlane> = [];
