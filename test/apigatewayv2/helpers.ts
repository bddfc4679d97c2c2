/** Shared by the HTTP API tests: Lambda functions from source, and requests on an API's execute-api host. */
import { request } from "node:http";
import { zipSync, strToU8 } from "fflate";
import { AddPermissionCommand, CreateFunctionCommand, type LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { uniqueName } from "../helpers/skyport.js";

/** Creates a nodejs20.x function (index.mjs) and returns its ARN. */
export async function createFunction(lambda: LambdaClient, source: string): Promise<string> {
  const name = uniqueName("fn");
  const f = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.mjs": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "apigw", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com" }));
  return f.FunctionArn!;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to http://{apiId}.execute-api.localhost:PORT{path}, sent to the loopback address. */
export function call(port: number, apiId: string, method: string, path: string, headers: Record<string, string | string[]> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { host: `${apiId}.execute-api.localhost:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A function that answers its event as a 2.0 JSON body. */
export const ECHO = `export const handler = async (event) => ({ statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(event) });`;
