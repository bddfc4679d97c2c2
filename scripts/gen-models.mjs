// Generates the committed service models and typed shapes from the AWS SDK for JavaScript v2 API
// models (aws-sdk@2.1693.0, apis/*.min.json — the botocore-style format other emulators read).
//
//   npm run gen:models                 # installs aws-sdk@2.1693.0 into a temp dir and generates
//   npm run gen:models -- /path/apis   # or reads an existing apis/ folder
//
// Output (generated — do not edit):
//   src/aws/models/data/<service>.json   the model, with src/aws/models/patches/<service>.json merged in
//   src/aws/api/<service>.ts             TypeScript input/output shapes and the operations interface
//   src/aws/models/data/signing-names.json   every AWS service's SigV4 signing name → its protocols, so a
//                                        request for a service Skyport does not serve is answered in its own
//                                        wire format (src/aws/unserved.ts)
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const SDK_VERSION = "2.1693.0";

/** Skyport service name → model file stem. */
export const SERVICES = {
  sts: "sts-2011-06-15",
  dynamodb: "dynamodb-2012-08-10",
  dynamodbstreams: "streams.dynamodb-2012-08-10",
  lambda: "lambda-2015-03-31",
  logs: "logs-2014-03-28",
  apigateway: "apigateway-2015-07-09",
  apigatewayv2: "apigatewayv2-2018-11-29",
  apigatewaymanagementapi: "apigatewaymanagementapi-2018-11-29",
  s3: "s3-2006-03-01",
  cloudwatch: "monitoring-2010-08-01",
  batch: "batch-2016-08-10",
  lightsail: "lightsail-2016-11-28",
  events: "events-2015-10-07",
  iam: "iam-2010-05-08",
  "cognito-idp": "cognito-idp-2016-04-18",
  cloudformation: "cloudformation-2010-05-15",
  ecr: "ecr-2015-09-21",
  "cognito-identity": "cognito-identity-2014-06-30",
};

function apisDir() {
  const arg = process.argv[2];
  if (arg) return arg;
  const local = join(root, "node_modules/aws-sdk/apis");
  if (existsSync(local)) return local;
  const dir = mkdtempSync(join(tmpdir(), "skyport-models-"));
  console.log(`installing aws-sdk@${SDK_VERSION} into ${dir} ...`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", dir, `aws-sdk@${SDK_VERSION}`], { stdio: "inherit" });
  return join(dir, "node_modules/aws-sdk/apis");
}

function merge(a, b) {
  if (b === null || typeof b !== "object" || Array.isArray(b)) return b;
  const out = { ...(a && typeof a === "object" ? a : {}) };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

// ---- TypeScript shapes -------------------------------------------------------------------------

const pascal = (s) => s.replace(/(^|[^A-Za-z0-9])([a-zA-Z0-9])/g, (_, __, c) => c.toUpperCase());
const isIdent = (s) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);

function generateTypes(service, model) {
  const names = new Map(); // shape id → type name
  const used = new Set();
  const claim = (base) => {
    let n = base, i = 2;
    while (used.has(n)) n = `${base}${i++}`;
    used.add(n);
    return n;
  };
  for (const op of Object.keys(model.operations)) { used.add(`${op}Input`); used.add(`${op}Output`); }
  // Names given by the patch file (`typeNames`: "Op.input.Member{}" → name; `[]` a list member, `{}` a map value).
  for (const [path, name] of Object.entries(model.typeNames || {})) {
    const [op, io, ...rest] = path.split(".");
    let shape = model.operations[op]?.[io];
    for (const part of rest) {
      const m = /^([^[{]+)((?:\[\]|\{\})*)$/.exec(part);
      if (!m || !shape) break;
      const resolve = (s) => (s && s.shape ? model.shapes[s.shape] : s);
      shape = resolve(shape).members?.[m[1]];
      for (const suffix of m[2].match(/\[\]|\{\}/g) || []) shape = suffix === "[]" ? resolve(shape).member : resolve(shape).value;
    }
    if (!shape || !shape.shape) { console.warn(`typeNames: ${path} does not name a shared shape (inline in the model); skipped`); continue; }
    names.set(shape.shape, name);
    used.add(name);
  }
  // Name shared shapes after the first member that references them, in operation order.
  const visit = (shape, memberName, seen) => {
    if (!shape) return;
    if (shape.shape) {
      const id = shape.shape;
      if (!names.has(id)) {
        const target = model.shapes[id];
        names.set(id, claim(`${pascal(memberName)}${target && target.type === "structure" ? "" : "Shape"}`));
        visit(target, memberName, seen);
      }
      return;
    }
    if (seen.has(shape)) return;
    seen.add(shape);
    if (shape.type === "structure") for (const [m, s] of Object.entries(shape.members || {})) visit(s, m, seen);
    else if (shape.type === "list") visit(shape.member, `${memberName}Item`, seen);
    else if (shape.type === "map") { visit(shape.key, `${memberName}Key`, seen); visit(shape.value, `${memberName}Value`, seen); }
  };
  for (const [op, def] of Object.entries(model.operations)) {
    visit(def.input, `${op}Input`, new Set());
    visit(def.output, `${op}Output`, new Set());
  }
  for (const id of Object.keys(model.shapes)) if (!names.has(id)) names.set(id, claim(`Shape${id}`));

  const typeOf = (shape, indent) => {
    if (shape.shape) return names.get(shape.shape);
    switch (shape.type) {
      case "structure": {
        const req = new Set(shape.required || []);
        const members = Object.entries(shape.members || {});
        if (!members.length) return "Record<string, never>";
        const pad = "  ".repeat(indent + 1);
        const lines = members.map(([m, s]) => `${pad}${isIdent(m) ? m : JSON.stringify(m)}${req.has(m) ? "" : "?"}: ${typeOf(s, indent + 1)};`);
        return `{\n${lines.join("\n")}\n${"  ".repeat(indent)}}`;
      }
      case "list": return `Array<${typeOf(shape.member, indent)}>`;
      case "map": return `Record<string, ${typeOf(shape.value, indent)}>`;
      case "integer": case "long": case "float": case "double": return "number";
      case "boolean": return "boolean";
      case "timestamp": return "Date";
      case "blob": return "Uint8Array";
      case "structure_document": case "document": return "unknown";
      default: return "string";
    }
  };

  const out = [];
  out.push(`// Generated by scripts/gen-models.mjs from aws-sdk@${SDK_VERSION} apis/${SERVICES[service]}.min.json — do not edit.`);
  out.push(`import type { RequestContext } from "../../edge/context.js";`);
  out.push("");
  for (const [id, shape] of Object.entries(model.shapes)) out.push(`export type ${names.get(id)} = ${typeOf(shape, 0)};`);
  out.push("");
  for (const [op, def] of Object.entries(model.operations)) {
    out.push(`export type ${op}Input = ${def.input ? typeOf(def.input, 0) : "Record<string, never>"};`);
    out.push(`export type ${op}Output = ${def.output ? typeOf(def.output, 0) : "Record<string, never>"};`);
  }
  out.push("");
  const iface = `${pascal(service)}Operations`;
  out.push(`/** Every operation of the ${model.metadata.serviceFullName} model. A provider implements any subset (see services/index.ts). */`);
  out.push(`export interface ${iface} {`);
  for (const op of Object.keys(model.operations)) out.push(`  ${op}(ctx: RequestContext, input: ${op}Input): ${op}Output | Promise<${op}Output>;`);
  out.push("}");
  out.push(`export type ${pascal(service)}Handlers = Partial<${iface}>;`);
  return out.join("\n") + "\n";
}

// ---- main --------------------------------------------------------------------------------------

const dir = apisDir();
for (const [service, stem] of Object.entries(SERVICES)) {
  let model = JSON.parse(readFileSync(join(dir, `${stem}.min.json`), "utf8"));
  const patch = join(root, "src/aws/models/patches", `${service}.json`);
  if (existsSync(patch)) model = merge(model, JSON.parse(readFileSync(patch, "utf8")));
  model.metadata.skyportService = service;
  const typeNames = model.typeNames;
  delete model.typeNames;
  writeFileSync(join(root, "src/aws/models/data", `${service}.json`), JSON.stringify(model));
  writeFileSync(join(root, "src/aws/api", `${service}.ts`), generateTypes(service, { ...model, typeNames }));
  console.log(`${service}: ${Object.keys(model.operations).length} operations`);
}

// ---- signing names of every AWS service ----------------------------------------------------------

/**
 * signing name → { name, query?: xml namespace, ec2?: true, json?: version, rest?: "rest-json" | "rest-xml" }.
 * Several models can share a signing name (SES: query, json and rest-json APIs); the request itself tells
 * which one a client speaks, so every protocol is kept. Files are read in name order (older API versions first),
 * so the newest version's values win.
 */
function signingNames(dir) {
  const table = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".min.json")).sort()) {
    const { metadata: m } = JSON.parse(readFileSync(join(dir, file), "utf8"));
    const key = m.signingName || m.endpointPrefix;
    const entry = (table[key] ??= { name: m.serviceAbbreviation || m.serviceId || m.serviceFullName });
    if (m.protocol === "query" || m.protocol === "ec2") entry.query = m.xmlNamespace || `http://${m.endpointPrefix}.amazonaws.com/doc/${m.apiVersion}/`;
    if (m.protocol === "ec2") entry.ec2 = true;
    if (m.protocol === "json") entry.json = m.jsonVersion || "1.0";
    if ((m.protocol === "rest-json" || m.protocol === "rest-xml") && !entry.rest) entry.rest = m.protocol;
  }
  const sorted = Object.fromEntries(Object.keys(table).sort().map((k) => [k, table[k]]));
  writeFileSync(join(root, "src/aws/models/data/signing-names.json"), JSON.stringify(sorted, null, 0).replace(/\},"/g, '},\n"') + "\n");
  console.log(`signing names: ${Object.keys(sorted).length}`);
}
signingNames(dir);

