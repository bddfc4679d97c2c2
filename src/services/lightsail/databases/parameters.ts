/**
 * UpdateRelationalDatabaseParameters' input rules, the same for every engine: the engine lists its own
 * parameters (PostgreSQL's pg_settings, MariaDB's system variables) and applies checked values —
 * dynamic ones at once, static ones at the next reboot (pending-reboot), as AWS does.
 */
import type * as L from "../../../aws/api/lightsail.js";
import { invalidInput } from "../shared.js";
import type { Creds, DbServer } from "./engine.js";

export const ParameterLimits = { MAX_PER_UPDATE: 20, MAX_VALUE_CHARS: 1024 } as const;

export async function getParameters(server: DbServer, creds: Creds): Promise<L.ParametersShape> {
  return server.parameters(creds);
}

/** Applies `params`; resolves to true when a static parameter now waits for a reboot. */
export async function updateParameters(server: DbServer, creds: Creds, params: L.ParametersShape | undefined): Promise<boolean> {
  if (!Array.isArray(params) || params.length === 0) throw invalidInput("parameters must list at least one parameter");
  if (params.length > ParameterLimits.MAX_PER_UPDATE) throw invalidInput(`You can update at most ${ParameterLimits.MAX_PER_UPDATE} parameters at a time`);
  const known = new Map((await server.parameters(creds)).map((p) => [p.parameterName, p]));
  const checked = params.map((p) => {
    const k = typeof p?.parameterName === "string" ? known.get(p.parameterName) : undefined;
    if (!k) throw invalidInput(`The parameter ${String(p?.parameterName).slice(0, 100)} does not exist`);
    if (!k.isModifiable) throw invalidInput(`The parameter ${k.parameterName} cannot be modified`);
    if (typeof p.parameterValue !== "string" || p.parameterValue.length > ParameterLimits.MAX_VALUE_CHARS) throw invalidInput(`The value of ${k.parameterName} must be a string of at most ${ParameterLimits.MAX_VALUE_CHARS} characters`);
    if (k.applyType === "static" && p.applyMethod === "immediate") throw invalidInput(`The parameter ${k.parameterName} is static: use applyMethod pending-reboot`);
    return { p: k, value: p.parameterValue };
  });
  return server.applyParameters(creds, checked);
}
