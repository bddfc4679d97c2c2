/**
 * Database parameters from the engine itself: PostgreSQL's pg_settings as Lightsail's parameter shape
 * (applyType static/dynamic, applyMethod pending-reboot/immediate), and updates through ALTER SYSTEM —
 * reloaded at once for dynamic parameters, applied at the next reboot for static ones, as AWS does.
 */
import type * as L from "../../../aws/api/lightsail.js";
import { invalidInput } from "../shared.js";
import type { PostgresServer } from "./postgres.js";

type Creds = { masterUsername: string; masterPassword: string };
export const ParameterLimits = { MAX_PER_UPDATE: 20, MAX_VALUE_CHARS: 1024 } as const;

interface Setting {
  name: string;
  setting: string;
  desc: string;
  vartype: string;
  context: string;
  enumvals: string;
  min: string;
  max: string;
}

async function settings(pg: PostgresServer, creds: Creds): Promise<Setting[]> {
  const out = await pg.sql(creds, "SELECT name, setting, short_desc, vartype, context, coalesce(array_to_string(enumvals, ','), ''), coalesce(min_val, ''), coalesce(max_val, '') FROM pg_settings ORDER BY name");
  return out
    .split("\n")
    .filter((l) => l.includes("\x1f"))
    .map((l) => {
      const [name, setting, desc, vartype, context, enumvals, min, max] = l.split("\x1f") as [string, string, string, string, string, string, string, string];
      return { name, setting, desc, vartype, context, enumvals, min, max };
    });
}

const DATA_TYPES: Record<string, string> = { bool: "boolean", integer: "integer", real: "float", string: "string", enum: "string" };
const MODIFIABLE_CONTEXTS = new Set(["postmaster", "sighup", "superuser", "user", "superuser-backend", "backend"]);

function shape(s: Setting): NonNullable<L.ParametersShape>[number] {
  const isStatic = s.context === "postmaster";
  return {
    parameterName: s.name,
    parameterValue: s.setting,
    description: s.desc,
    allowedValues: s.vartype === "bool" ? "on,off" : s.vartype === "enum" ? s.enumvals : s.min !== "" ? `${s.min}-${s.max}` : undefined,
    applyType: isStatic ? "static" : "dynamic",
    applyMethod: isStatic ? "pending-reboot" : "immediate",
    dataType: DATA_TYPES[s.vartype] ?? "string",
    isModifiable: MODIFIABLE_CONTEXTS.has(s.context),
  };
}

export async function getParameters(pg: PostgresServer, creds: Creds): Promise<L.ParametersShape> {
  return (await settings(pg, creds)).map(shape);
}

/** Applies `params`; resolves to true when a static parameter now waits for a reboot. */
export async function updateParameters(pg: PostgresServer, creds: Creds, params: L.ParametersShape | undefined): Promise<boolean> {
  if (!Array.isArray(params) || params.length === 0) throw invalidInput("parameters must list at least one parameter");
  if (params.length > ParameterLimits.MAX_PER_UPDATE) throw invalidInput(`You can update at most ${ParameterLimits.MAX_PER_UPDATE} parameters at a time`);
  const known = new Map((await settings(pg, creds)).map((s) => [s.name, s]));
  const checked = params.map((p) => {
    const s = typeof p?.parameterName === "string" ? known.get(p.parameterName) : undefined;
    if (!s) throw invalidInput(`The parameter ${String(p?.parameterName).slice(0, 100)} does not exist`);
    if (!MODIFIABLE_CONTEXTS.has(s.context)) throw invalidInput(`The parameter ${s.name} cannot be modified`);
    if (typeof p.parameterValue !== "string" || p.parameterValue.length > ParameterLimits.MAX_VALUE_CHARS) throw invalidInput(`The value of ${s.name} must be a string of at most ${ParameterLimits.MAX_VALUE_CHARS} characters`);
    if (s.context === "postmaster" && p.applyMethod === "immediate") throw invalidInput(`The parameter ${s.name} is static: use applyMethod pending-reboot`);
    return { s, value: p.parameterValue };
  });
  let pending = false;
  for (const { s, value } of checked) {
    // ALTER SYSTEM runs alone (not in a transaction block); the engine validates the value itself.
    await pg.sql(creds, `ALTER SYSTEM SET "${s.name}" = '${value.replace(/'/g, "''")}'`).catch((e: Error) => {
      throw invalidInput(`The value ${value.slice(0, 100)} is not valid for ${s.name}: ${e.message.replace(/^psql failed: /, "").slice(0, 300)}`);
    });
    pending ||= s.context === "postmaster";
  }
  await pg.sql(creds, "SELECT pg_reload_conf()");
  return pending;
}
