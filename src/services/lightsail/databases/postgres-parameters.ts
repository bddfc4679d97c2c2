/**
 * PostgreSQL's parameters: pg_settings in Lightsail's shape (applyType static for postmaster-context
 * settings, dynamic otherwise), updated with ALTER SYSTEM and a reload — static ones take effect at the
 * next reboot, as AWS does. The engine validates each value itself.
 */
import { invalidInput } from "../shared.js";
import type { Creds, EngineParameter } from "./engine.js";
import type { PostgresServer } from "./postgres.js";

const DATA_TYPES: Record<string, string> = { bool: "boolean", integer: "integer", real: "float", string: "string", enum: "string" };
const MODIFIABLE_CONTEXTS = new Set(["postmaster", "sighup", "superuser", "user", "superuser-backend", "backend"]);

export async function pgParameters(pg: PostgresServer, creds: Creds): Promise<EngineParameter[]> {
  const out = await pg.sql(creds, "SELECT name, setting, short_desc, vartype, context, coalesce(array_to_string(enumvals, ','), ''), coalesce(min_val, ''), coalesce(max_val, '') FROM pg_settings ORDER BY name");
  return out
    .split("\n")
    .filter((l) => l.includes("\x1f"))
    .map((l) => {
      const [name, setting, desc, vartype, context, enumvals, min, max] = l.split("\x1f") as [string, string, string, string, string, string, string, string];
      const isStatic = context === "postmaster";
      return {
        parameterName: name,
        parameterValue: setting,
        description: desc,
        allowedValues: vartype === "bool" ? "on,off" : vartype === "enum" ? enumvals : min !== "" ? `${min}-${max}` : undefined,
        applyType: isStatic ? "static" : "dynamic",
        applyMethod: isStatic ? "pending-reboot" : "immediate",
        dataType: DATA_TYPES[vartype] ?? "string",
        isModifiable: MODIFIABLE_CONTEXTS.has(context),
      };
    });
}

export async function pgApplyParameters(pg: PostgresServer, creds: Creds, values: { p: EngineParameter; value: string }[]): Promise<boolean> {
  let pending = false;
  for (const { p, value } of values) {
    // ALTER SYSTEM runs alone (not in a transaction block); the engine validates the value itself.
    await pg.sql(creds, `ALTER SYSTEM SET "${p.parameterName}" = '${value.replace(/'/g, "''")}'`).catch((e: Error) => {
      throw invalidInput(`The value ${value.slice(0, 100)} is not valid for ${p.parameterName}: ${e.message.replace(/^psql failed: /, "").slice(0, 300)}`);
    });
    pending ||= p.applyType === "static";
  }
  await pg.sql(creds, "SELECT pg_reload_conf()");
  return pending;
}
