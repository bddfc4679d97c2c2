/** ImportApi / ReimportApi / ExportApi: OpenAPI 3 with the x-amazon-apigateway-* extensions (in progress). */
import { notImplemented } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ApiRecord, DeploymentSnapshot } from "./store.js";
import type { ApiGatewayV2Provider } from "./provider.js";

export function importApi(_ctx: RequestContext, _p: ApiGatewayV2Provider, _body: string, existing: ApiRecord | undefined, _failOnWarnings: boolean, _basepath?: string): ApiRecord {
  throw notImplemented("apigatewayv2", existing ? "ReimportApi" : "ImportApi");
}

export function exportApi(_s: DeploymentSnapshot, _endpoint: string, _outputType: string, _extensions: boolean, _version?: string): Uint8Array {
  throw notImplemented("apigatewayv2", "ExportApi");
}
