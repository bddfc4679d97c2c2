/**
 * Layers: PublishLayerVersion / GetLayerVersion(ByArn) / ListLayers / ListLayerVersions / DeleteLayerVersion,
 * and where a function's layers become visible: each layer version is extracted once; a function's /opt is its
 * layer's folder, or for several a folder merging them in order (searchPaths), bound at /opt in the sandbox; its
 * folders are put where the runtimes look: nodejs/node_modules and nodejs/nodeXX/node_modules on NODE_PATH (the
 * node bootstrap lets ES module imports fall back to it, as Lambda's runtime does), python and
 * python/lib/pythonX.Y/site-packages on PYTHONPATH, bin on PATH.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type * as L from "../../aws/api/lambda.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { Store } from "../../store/store.js";
import { buildOnce, checkZip, describeZip, extractCode, extractedBytes, linkTree } from "./code.js";

const MIGRATION = `CREATE TABLE lambda_layers (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, code_hex TEXT NOT NULL,
  PRIMARY KEY (account, region, name, version))`;
/**
 * A deleted version stays as a row marked deleted: it can no longer be read or added to a function, but functions that
 * already use it keep it, and its number is never given again (AWS: "a copy of the version remains in Lambda until no
 * functions refer to it").
 */
const MIGRATION_DELETED = "ALTER TABLE lambda_layers ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0";
const ARN = /^arn:aws:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/;
const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export class Layers {
  private readonly s;
  constructor(store: Store, private readonly blobs: Store["blobs"], private readonly codeRoot: string) {
    store.migrate("lambda-layers", [MIGRATION, MIGRATION_DELETED]);
    const db = store.db;
    this.s = {
      max: db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM lambda_layers WHERE account = ? AND region = ? AND name = ?"),
      put: db.prepare("INSERT INTO lambda_layers (account, region, name, version, doc, code_hex) VALUES (?, ?, ?, ?, ?, ?)"),
      get: db.prepare("SELECT doc, code_hex FROM lambda_layers WHERE account = ? AND region = ? AND name = ? AND version = ? AND deleted = 0"),
      /** A version's code for the functions that use it, deleted or not. */
      code: db.prepare("SELECT code_hex FROM lambda_layers WHERE account = ? AND region = ? AND name = ? AND version = ?"),
      versions: db.prepare("SELECT doc FROM lambda_layers WHERE account = ? AND region = ? AND name = ? AND deleted = 0 ORDER BY version DESC"),
      latest: db.prepare("SELECT name, doc FROM lambda_layers l WHERE account = ? AND region = ? AND deleted = 0 AND version = (SELECT MAX(version) FROM lambda_layers WHERE account = l.account AND region = l.region AND name = l.name AND deleted = 0) ORDER BY name"),
      delete: db.prepare("UPDATE lambda_layers SET deleted = 1 WHERE account = ? AND region = ? AND name = ? AND version = ?"),
    };
  }

  publish(ctx: RequestContext, input: L.PublishLayerVersionInput, endpoint: string): L.PublishLayerVersionOutput {
    if (!NAME.test(input.LayerName)) throw new ServiceError("ValidationException", `1 validation error detected: Value '${input.LayerName}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+`, 400);
    if (!input.Content?.ZipFile) throw new ServiceError("InvalidParameterValueException", "Please provide a source for layer code: Content.ZipFile, or Content.S3Bucket and S3Key.", 400);
    const zip = Buffer.from(input.Content.ZipFile);
    const files = checkZip(zip);
    const info = describeZip(zip);
    const blob = this.blobs.put(zip);
    extractCode(this.codeRoot, info, () => files);
    const version = (this.s.max.get(ctx.accountId, ctx.region, input.LayerName) as { v: number }).v + 1;
    const layerArn = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:layer:${input.LayerName}`;
    const doc: L.PublishLayerVersionOutput = {
      Content: { Location: `${endpoint}/_aws/lambda/code/${blob}.zip`, CodeSha256: info.sha256, CodeSize: info.size },
      LayerArn: layerArn, LayerVersionArn: `${layerArn}:${version}`, Description: input.Description ?? "", CreatedDate: new Date(ctx.clock.now()).toISOString().replace("Z", "+0000"),
      Version: version, CompatibleRuntimes: input.CompatibleRuntimes, LicenseInfo: input.LicenseInfo, CompatibleArchitectures: input.CompatibleArchitectures,
    };
    this.s.put.run(ctx.accountId, ctx.region, input.LayerName, version, JSON.stringify(doc), info.hex);
    return doc;
  }

  get(ctx: RequestContext, name: string, version: number): L.GetLayerVersionResponse & { codeHex: string } {
    const r = this.s.get.get(ctx.accountId, ctx.region, name, version) as { doc: string; code_hex: string } | undefined;
    if (!r) throw new ServiceError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
    return { ...(JSON.parse(r.doc) as L.GetLayerVersionResponse), codeHex: r.code_hex };
  }

  byArn(ctx: RequestContext, arn: string): L.GetLayerVersionResponse & { codeHex: string } {
    const m = ARN.exec(arn);
    if (!m || m[1] !== ctx.region || m[2] !== ctx.accountId) throw new ServiceError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
    return this.get(ctx, m[3]!, Number(m[4]));
  }

  versions(ctx: RequestContext, name: string): L.GetLayerVersionResponse[] {
    return (this.s.versions.all(ctx.accountId, ctx.region, name) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as L.GetLayerVersionResponse);
  }

  latest(ctx: RequestContext): Array<{ name: string; doc: L.GetLayerVersionResponse }> {
    return (this.s.latest.all(ctx.accountId, ctx.region) as Array<{ name: string; doc: string }>).map((r) => ({ name: r.name, doc: JSON.parse(r.doc) as L.GetLayerVersionResponse }));
  }

  delete(ctx: RequestContext, name: string, version: number): void {
    this.s.delete.run(ctx.accountId, ctx.region, name, version);
  }

  /** Validates a function's Layers list; returns the configuration entries. */
  resolve(ctx: RequestContext, arns: string[] | undefined): Array<{ Arn: string; CodeSize: number }> | undefined {
    if (!arns) return undefined;
    if (arns.length > 5) throw new ServiceError("InvalidParameterValueException", "Cannot reference more than 5 layers.", 400);
    return arns.map((arn) => {
      try {
        return { Arn: arn, CodeSize: this.byArn(ctx, arn).Content?.CodeSize ?? 0 };
      } catch {
        throw new ServiceError("InvalidParameterValueException", `Layer version ${arn} does not exist.`, 400);
      }
    });
  }

  /** The code of each of a function's layer versions that is stored (a deleted version still is, for the functions using it). */
  private codeOf(ctx: { accountId: string; region: string }, arns: string[]): string[] {
    const hexes: string[] = [];
    for (const arn of arns) {
      const m = ARN.exec(arn);
      const r = m ? (this.s.code.get(ctx.accountId, ctx.region, m[3], Number(m[4])) as { code_hex: string } | undefined) : undefined;
      if (r) hexes.push(r.code_hex);
    }
    return hexes;
  }

  /** The unzipped size of a function's layers together (Lambda's 250 MB limit counts them with the code). */
  unzippedBytes(ctx: RequestContext, arns: string[]): number {
    let n = 0;
    for (const hex of this.codeOf(ctx, arns)) n += extractedBytes(this.codeRoot, hex);
    return n;
  }

  /**
   * A function's /opt as Lambda makes it: its layers extracted in order, a later layer's file replacing an earlier
   * one's. One layer's /opt is its own folder; several get a folder of hard links merging them, made once per list
   * (<code root>/opt-<sha256 of the list>). `hostRoot` is that folder (none without layers); `inside` is where the
   * environment sees it (the sandbox binds it at /opt, `binds`), and the NODE_PATH, PYTHONPATH and PATH entries are
   * given there.
   */
  searchPaths(ctx: { accountId: string; region: string }, arns: string[], inside?: string): { node: string[]; python: string[]; bin: string[]; binds: Array<[string, string]>; hostRoot?: string } {
    const out = { node: [] as string[], python: [] as string[], bin: [] as string[], binds: [] as Array<[string, string]> };
    const hexes = this.codeOf(ctx, arns);
    if (!hexes.length) return out;
    const layerRoot = (hex: string) => join(this.codeRoot, hex, "task");
    const hostRoot =
      hexes.length === 1
        ? layerRoot(hexes[0]!)
        : buildOnce(join(this.codeRoot, `opt-${createHash("sha256").update(hexes.join(",")).digest("hex")}`), (tmp) => {
            for (const hex of hexes) linkTree(layerRoot(hex), tmp);
          });
    const root = inside ?? hostRoot;
    if (inside) out.binds.push([hostRoot, inside]);
    const nodeDir = join(hostRoot, "nodejs");
    if (existsSync(nodeDir)) {
      for (const d of readdirSync(nodeDir)) if (/^node\d+$/.test(d)) out.node.push(join(root, "nodejs", d, "node_modules"));
      out.node.push(join(root, "nodejs", "node_modules"));
    }
    const py = join(hostRoot, "python");
    if (existsSync(py)) {
      out.python.push(join(root, "python"));
      const lib = join(py, "lib");
      if (existsSync(lib)) for (const d of readdirSync(lib)) out.python.push(join(root, "python", "lib", d, "site-packages"));
    }
    if (existsSync(join(hostRoot, "bin"))) out.bin.push(join(root, "bin"));
    return { ...out, hostRoot };
  }
}
