/** Shared set-up for the REST limits tests: a MOCK-backed API with some methods, deployed to a stage. */
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { uniqueName } from "../helpers/skyport.js";

export interface MockMethod {
  path: string;
  httpMethod?: string;
  apiKeyRequired?: boolean;
  authorizationType?: string;
  /** Response template; default echoes the request time so a cached answer is recognisable. */
  template?: string;
  cacheKeyParameters?: string[];
  requestParameters?: Record<string, boolean>;
}

/** Creates an API whose methods answer 200 from MOCK integrations, deploys it to `stage`, returns its id. */
export async function mockApi(apigw: APIGatewayClient, stage: string, methods: MockMethod[]): Promise<{ apiId: string; name: string }> {
  const name = uniqueName("limits");
  const a = await apigw.send(new CreateRestApiCommand({ name }));
  const ids = new Map<string, string>([["/", a.rootResourceId!]]);
  for (const m of methods) {
    let parent = "/";
    for (const part of m.path.split("/").filter(Boolean)) {
      const path = `${parent === "/" ? "" : parent}/${part}`;
      if (!ids.has(path)) {
        const r = await apigw.send(new CreateResourceCommand({ restApiId: a.id!, parentId: ids.get(parent)!, pathPart: part }));
        ids.set(path, r.id!);
      }
      parent = path;
    }
    const common = { restApiId: a.id!, resourceId: ids.get(m.path)!, httpMethod: m.httpMethod ?? "GET" };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: m.authorizationType ?? "NONE", apiKeyRequired: m.apiKeyRequired, requestParameters: m.requestParameters }));
    await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' }, cacheKeyParameters: m.cacheKeyParameters }));
    await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": m.template ?? '{"id":"$context.requestId"}' } }));
  }
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: stage }));
  return { apiId: a.id!, name };
}

/** Status codes of `n` sequential GETs. */
export async function statuses(url: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(url, { headers });
    await r.arrayBuffer();
    out.push(r.status);
  }
  return out;
}
