/** The execute-api data plane entry: binds the request path to the control plane's deployments. */
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import { systemClock } from "../../../core/clock.js";
import { randomIds } from "../../../core/ids.js";
import type { Logger } from "../../../core/log.js";
import type { ServiceHost } from "../../host.js";
import type { RestApiDataAccess } from "../snapshot.js";
import { executeRestRequest } from "./pipeline.js";
import { parseTarget } from "./route.js";
import type { RestLimits } from "./limits.js";

export function createExecuteHandler(services: ServiceHost) {
  return async (req: HttpRequest, host: string): Promise<HttpResponse | undefined> => {
    const data = (await services.get("apigateway")) as unknown as RestApiDataAccess;
    // A custom-domain candidate that is not a configured domain is an ordinary AWS API call.
    if (!/\.execute-api\.localhost(:\d+)?$/i.test(host) && !req.path.startsWith("/_aws/execute-api/") && parseTarget(host, req.path, data) === undefined) return undefined;
    return executeRestRequest(req, host, { data, services, ids: randomIds, clock: systemClock, random: Math.random, log: (data as { log?: Logger }).log, strictPermissions: (data as { strictPermissions?: boolean }).strictPermissions, limits: (data as { limits?: RestLimits }).limits });
  };
}
