/** Access logs and AWS/ApiGateway metrics of HTTP APIs. */
import type { HttpResponse } from "../../../aws/protocol/types.js";
import type { Exchange } from "./pipeline.js";

export function observe(_ex: Exchange, _res: HttpResponse, _latencyMs: number): void {}
