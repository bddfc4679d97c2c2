/**
 * Managed database blueprints and bundles as AWS lists them (GetRelationalDatabaseBlueprints/Bundles,
 * us-east-1 prices in USD per month), and the input rules of CreateRelationalDatabase
 * (https://docs.aws.amazon.com/lightsail/2016-11-28/api-reference/API_CreateRelationalDatabase.html).
 */
import { randomBytes } from "node:crypto";
import { invalidInput } from "../shared.js";

export interface DbBlueprint {
  blueprintId: string;
  engine: "mysql" | "postgres";
  engineVersion: string;
  engineDescription: string;
  engineVersionDescription: string;
  isEngineDefault: boolean;
}

export const DB_BLUEPRINTS: DbBlueprint[] = [
  { blueprintId: "mysql_8_0", engine: "mysql", engineVersion: "8.0.40", engineDescription: "MySQL Community Edition", engineVersionDescription: "MySQL 8.0.40", isEngineDefault: true },
  ...["12", "13", "14", "15", "16", "17"].map((v) => ({
    blueprintId: `postgres_${v}`,
    engine: "postgres" as const,
    engineVersion: `${v}.0`,
    engineDescription: "PostgreSQL",
    engineVersionDescription: `PostgreSQL ${v}`,
    isEngineDefault: v === "16",
  })),
];

export interface DbBundle {
  bundleId: string;
  name: string;
  price: number;
  ramSizeInGb: number;
  diskSizeInGb: number;
  transferPerMonthInGb: number;
  cpuCount: number;
  isEncrypted: boolean;
  isActive: boolean;
}

const bundle = (bundleId: string, name: string, price: number, ramSizeInGb: number, diskSizeInGb: number, cpuCount: number): DbBundle => ({
  bundleId,
  name,
  price,
  ramSizeInGb,
  diskSizeInGb,
  transferPerMonthInGb: 100,
  cpuCount,
  isEncrypted: true,
  isActive: true,
});

export const DB_BUNDLES: DbBundle[] = [
  bundle("micro_2_0", "Micro", 15, 1, 40, 2),
  bundle("small_2_0", "Small", 30, 2, 80, 2),
  bundle("medium_2_0", "Medium", 60, 4, 120, 2),
  bundle("large_2_0", "Large", 115, 8, 240, 2),
  bundle("micro_ha_2_0", "Micro with High Availability", 30, 1, 40, 2),
  bundle("small_ha_2_0", "Small with High Availability", 60, 2, 80, 2),
  bundle("medium_ha_2_0", "Medium with High Availability", 120, 4, 120, 2),
  bundle("large_ha_2_0", "Large with High Availability", 230, 8, 240, 2),
];

const RESERVED = new Set(["postgres", "rdsadmin", "rdsrepladmin", "root", "admin", "user", "select", "table", "public", "all", "none"]);

/** masterUsername: PostgreSQL 1-63 (MySQL 1-16) letters, digits and underscores, starting with a letter; not a reserved word. */
export function checkMasterUsername(engine: string, v: unknown): string {
  const max = engine === "mysql" ? 16 : 63;
  if (typeof v !== "string" || !new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${max - 1}}$`).test(v)) {
    throw invalidInput(`The master username must contain 1 to ${max} letters, numbers or underscores and begin with a letter`);
  }
  if (RESERVED.has(v.toLowerCase())) throw invalidInput(`The master username ${v} is a reserved word for this engine`);
  return v;
}

/** masterDatabaseName: 1-63 (MySQL 1-64) letters, digits and underscores, starting with a letter. */
export function checkMasterDatabaseName(engine: string, v: unknown): string {
  const max = engine === "mysql" ? 64 : 63;
  if (typeof v !== "string" || !new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${max - 1}}$`).test(v)) {
    throw invalidInput(`The master database name must contain 1 to ${max} letters, numbers or underscores and begin with a letter`);
  }
  if (engine === "postgres" && ["postgres", "template0", "template1"].includes(v.toLowerCase())) throw invalidInput(`The master database name ${v} is reserved`);
  if (engine === "mysql" && ["mysql", "information_schema", "performance_schema", "sys"].includes(v.toLowerCase())) throw invalidInput(`The master database name ${v} is reserved`);
  return v;
}

/** masterUserPassword: 8 to 128 printable ASCII characters except "/", '"', "@" and space. */
export function checkMasterPassword(v: unknown): string {
  if (typeof v !== "string" || !/^[\x21-\x7e]{8,128}$/.test(v) || /[/"@]/.test(v)) {
    throw invalidInput('The master user password must contain 8 to 128 printable ASCII characters, except "/", """, "@" or a space');
  }
  return v;
}

/** A password AWS-like in form: 32 characters from a safe alphabet. */
export function generatePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  return [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join("");
}
