/**
 * MariaDB's parameters: its global system variables (information_schema.SYSTEM_VARIABLES) under their
 * MySQL names in Lightsail's shape. Read-only variables are static (set in the option file, applied at the
 * next reboot: pending-reboot), the others dynamic (SET GLOBAL at once, and kept in the option file so a
 * restart keeps them), as RDS parameter groups behave. Only server options are modifiable (not
 * session-only ones such as foreign_key_checks), and not paths, ports or what Skyport manages. Values
 * are checked against the variable's type before they reach SQL or the option file.
 */
import { writeFileSync } from "node:fs";
import { invalidInput } from "../shared.js";
import { run, type EngineParameter } from "./engine.js";
import type { MariadbInstall, MariadbServer } from "./mariadb.js";

const optionNames = new Map<string, Promise<Set<string>>>();

/** The server's option names (`--verbose --help`'s variable table, with underscores): what an option file may set. */
function serverOptions(install: MariadbInstall): Promise<Set<string>> {
  let names = optionNames.get(install.mariadbd);
  if (!names) {
    names = run(install.mariadbd, ["--no-defaults", "--verbose", "--help"], { env: { PATH: process.env.PATH } }, "mariadbd --help").then((out) => {
      const table = out.slice(out.indexOf("\n-----", out.indexOf("Variables (--variable-name=value)")) + 1).split("\n\n")[0] ?? "";
      return new Set(table.split("\n").slice(1).map((l) => l.split(/\s+/)[0]!.replace(/-/g, "_")).filter(Boolean));
    });
    names.catch(() => optionNames.delete(install.mariadbd));
    optionNames.set(install.mariadbd, names);
  }
  return names;
}

/** Variables Skyport sets itself, that name host paths, sockets or ports, or that would make existing data unreadable: listed, never modifiable. */
const MANAGED = /(^|_)(dir|file|path|socket|port|directory)$|_file_|^(datadir|basedir|bind_address|skip_networking|skip_name_resolve|user|secure_file_priv|init_file|plugin_load|plugin_load_add|log_bin|log_bin_basename|log_bin_index|relay_log|relay_log_basename|relay_log_index|pid_file|log_error|local_infile|lower_case_table_names)$|^(wsrep|ssl|tls|plugin|have|skip)_|^innodb_(page_size|data_file_path|temp_data_file_path|undo_tablespaces|read_only|force_recovery|buffer_pool_filename|encrypt.*)$/;

const DATA_TYPES: Record<string, string> = { BOOLEAN: "boolean", DOUBLE: "float", ENUM: "string", SET: "list", FLAGSET: "list", VARCHAR: "string" };

interface Variable {
  name: string;
  type: string;
  min: string;
  max: string;
  list: string[];
  readOnly: boolean;
}
const variables = new WeakMap<EngineParameter, Variable>();

/** MariaDB's batch output escapes tabs, newlines and backslashes. */
function unescape(v: string): string {
  return v.replace(/\\([tn0\\])/g, (_m, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c === "0" ? "\0" : "\\"));
}

export async function mariadbParameters(db: MariadbServer): Promise<EngineParameter[]> {
  const options = await serverOptions(db.install);
  const out = await db.sql(
    "SELECT LOWER(VARIABLE_NAME), IFNULL(GLOBAL_VALUE, ''), VARIABLE_TYPE, IFNULL(VARIABLE_COMMENT, ''), IFNULL(NUMERIC_MIN_VALUE, ''), IFNULL(NUMERIC_MAX_VALUE, ''), IFNULL(ENUM_VALUE_LIST, ''), READ_ONLY FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_SCOPE <> 'SESSION ONLY' ORDER BY VARIABLE_NAME",
  );
  return out
    .split("\n")
    .filter((l) => l.includes("\t"))
    .map((l) => {
      const [name, value, type, comment, min, max, list, readOnly] = l.split("\t").map(unescape) as string[];
      const isStatic = readOnly === "YES";
      const v: Variable = { name: name!, type: type!, min: min!, max: max!, list: list ? list.split(",") : [], readOnly: isStatic };
      const numeric = /INT/.test(v.type) || v.type === "DOUBLE";
      const p: EngineParameter = {
        parameterName: v.name,
        parameterValue: value,
        description: comment,
        allowedValues: v.list.length ? list : numeric && min !== "" ? `${min}-${max}` : undefined,
        applyType: isStatic ? "static" : "dynamic",
        applyMethod: isStatic ? "pending-reboot" : "immediate",
        dataType: numeric && v.type !== "DOUBLE" ? "integer" : (DATA_TYPES[v.type] ?? "string"),
        // Every value is kept in the option file: only variables that are server options can be set.
        isModifiable: !MANAGED.test(v.name) && options.has(v.name),
      };
      variables.set(p, v);
      return p;
    });
}

/** Checks `value` against the variable's type; resolves to its SQL literal. */
function literal(v: Variable, value: string): string {
  const bad = (why: string) => invalidInput(`The value ${value.slice(0, 100)} is not valid for ${v.name}: ${why}`);
  // The option file and SQL both see the value: keep it to printable ASCII without quotes or backslashes.
  if (!/^[\x20-\x7e]*$/.test(value) || /["'\\`]/.test(value)) throw bad("use printable characters without quotes or backslashes");
  if (/INT/.test(v.type)) {
    if (!/^-?\d{1,20}$/.test(value)) throw bad("an integer is expected");
    if ((v.min !== "" && BigInt(value) < BigInt(v.min)) || (v.max !== "" && BigInt(value) > BigInt(v.max))) throw bad(`the range is ${v.min}-${v.max}`);
    return value;
  }
  if (v.type === "DOUBLE") {
    if (!/^-?\d{1,20}(\.\d{1,12})?$/.test(value)) throw bad("a number is expected");
    if ((v.min !== "" && Number(value) < Number(v.min)) || (v.max !== "" && Number(value) > Number(v.max))) throw bad(`the range is ${v.min}-${v.max}`);
    return value;
  }
  if (v.type === "BOOLEAN") {
    if (!/^(on|off|0|1|true|false)$/i.test(value)) throw bad("ON, OFF, 1 or 0 is expected");
    return value.toUpperCase();
  }
  const allowed = new Set(v.list.map((x) => x.toLowerCase()));
  if (v.type === "ENUM" && allowed.size && !allowed.has(value.toLowerCase())) throw bad(`one of ${v.list.join(",")} is expected`);
  if (v.type === "SET" && allowed.size && value !== "" && value.split(",").some((x) => !allowed.has(x.trim().toLowerCase()))) throw bad(`a list of ${v.list.join(",")} is expected`);
  return `'${value}'`;
}

/** Dynamic values: SET GLOBAL (the engine has the last word), then all values into the option file. */
export async function mariadbApplyParameters(db: MariadbServer, values: { p: EngineParameter; value: string }[]): Promise<boolean> {
  const checked = values.map(({ p, value }) => {
    const v = variables.get(p);
    if (!v) throw invalidInput(`The parameter ${p.parameterName} cannot be modified`);
    return { v, value, lit: literal(v, value) };
  });
  const stored = db.storedParameters();
  let pending = false;
  for (const { v, value, lit } of checked) {
    if (v.readOnly) pending = true;
    else
      await db.sql(`SET GLOBAL ${v.name} = ${lit}`).catch((e: Error) => {
        throw invalidInput(`The value ${value.slice(0, 100)} is not valid for ${v.name}: ${e.message.replace(/^mariadb failed: /, "").slice(0, 300)}`);
      });
    stored[v.name] = value;
  }
  writeFileSync(db.paramsFile, JSON.stringify(stored), { mode: 0o600 });
  return pending;
}
