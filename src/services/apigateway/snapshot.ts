/**
 * The contract between the API Gateway control plane (provider.ts) and the REST request path
 * (execute/): a deployment is an immutable snapshot of everything the request path needs, frozen by
 * CreateDeployment. Changing a method after deploying changes nothing until the next deployment.
 * Shapes are AWS's own output shapes (GetResources with embedded methods, GetStage, ...).
 */
import type { AuthorizerCache } from "./execute/authorizer-cache.js";
import type { Authorizer, BasePathMapping, GatewayResponse, Model, RequestValidator, Resource, RestApi, Stage } from "../../aws/api/apigateway.js";

export interface DeploymentSnapshot {
  deploymentId: string;
  /** The API as it was at deployment (binaryMediaTypes, minimumCompressionSize, apiKeySource, policy, ...). */
  api: RestApi;
  /** Every resource, each with resourceMethods fully populated: methodIntegration (with integrationResponses) and methodResponses. */
  resources: Resource[];
  models: Model[];
  requestValidators: RequestValidator[];
  authorizers: Authorizer[];
  gatewayResponses: GatewayResponse[];
}

/** Where an API lives: API ids are unique across the whole server, so the data plane finds the owner by id. */
export interface ApiLocation {
  accountId: string;
  region: string;
}

/** Implemented by the apigateway provider; used in process by execute/. */
export interface RestApiDataAccess {
  /** Both may be remembered until the next write of an API or a stage: the objects are shared, read them only. */
  locateRestApi(restApiId: string): ApiLocation | undefined;
  getStageFor(location: ApiLocation, restApiId: string, stageName: string): Stage | undefined;
  getDeploymentSnapshot(location: ApiLocation, restApiId: string, deploymentId: string): DeploymentSnapshot | undefined;
  /** Custom domain names: the owner and base path mappings of a configured domain, or undefined. */
  findDomainName(domainName: string): { location: ApiLocation; mappings: BasePathMapping[] } | undefined;
  /** API keys: whether this key value may call this stage (absent for TestInvokeMethod, which skips the check as the console's test does). */
  apiKeyAllows?(location: ApiLocation, restApiId: string, stageName: string, value: string): boolean;
  /** TestInvokeMethod: authorization (authorizers, IAM, resource policy) is bypassed, as the console's test bypasses it. */
  readonly testInvoke?: boolean;
  /** Lambda authorizer answers cached per stage (absent for TestInvokeMethod, which never caches). */
  readonly authorizerCache?: AuthorizerCache;
}
