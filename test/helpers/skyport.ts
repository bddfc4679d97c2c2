/**
 * Test harness: a real Skyport server in process, ephemeral, on a free loopback port, plus the client
 * settings the AWS SDK v3 needs to talk to it. Call `stop()` in `after()`.
 */
import { startTestSkyport, type RunningSkyport, type StartOptions } from "../../src/server/skyport.js";

export interface TestServer {
  skyport: RunningSkyport;
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Spread into any SDK v3 client constructor. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  stop(): Promise<void>;
}

export async function startServer(overrides: Record<string, string | boolean> = {}, options: StartOptions = {}): Promise<TestServer> {
  const skyport = await startTestSkyport(overrides, options);
  const endpoint = `http://127.0.0.1:${skyport.port}`;
  return {
    skyport,
    endpoint,
    clientConfig: { endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 },
    stop: () => skyport.close(),
  };
}

/** Environment for running the `aws` CLI against the server (use with execFile("aws", [...args, "--endpoint-url", endpoint])). */
export const cliEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_PAGER: "",
  AWS_ENDPOINT_URL: undefined,
});

/** A name unique within the test run, for isolating resources without restarts. */
let n = 0;
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 7)}`;
