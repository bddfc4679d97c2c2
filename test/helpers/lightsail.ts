/** Helpers shared by the Lightsail tests. */
import { GetRelationalDatabaseCommand, type LightsailClient, type RelationalDatabase } from "@aws-sdk/client-lightsail";

/** Polls GetRelationalDatabase until `state` (the engine's start is real work: poll, never assume a duration). */
export async function waitForDatabase(client: LightsailClient, name: string, state: string): Promise<RelationalDatabase> {
  for (let i = 0; i < 600; i++) {
    const db = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
    if (db.state === state) return db;
    if (db.state === "failed") throw new Error(`database ${name} failed`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`database ${name} never reached ${state}`);
}
