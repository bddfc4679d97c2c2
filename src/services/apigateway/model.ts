/** The stored shape of one REST API's definition (see store.ts). */
import type { Authorizer, GatewayResponse, Method, Model, RequestValidator, Resource, RestApi } from "../../aws/api/apigateway.js";

export interface StoredResource extends Omit<Resource, "resourceMethods"> {
  id: string;
  path: string;
  methods: Record<string, Method>;
}

export interface ApiDoc {
  api: RestApi;
  resources: Record<string, StoredResource>;
  models: Record<string, Model>;
  validators: Record<string, RequestValidator>;
  authorizers: Record<string, Authorizer>;
  gatewayResponses: Record<string, GatewayResponse>;
}
