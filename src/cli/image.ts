/**
 * `skyport image import FILE [--tag REPO:TAG]`: imports an image archive (`skopeo copy … oci-archive:x.tar` or
 * `docker-archive:x.tar`, `docker save`) into the data directory's image store, and with --tag into an ECR
 * repository of the default account (created when missing). Works with the server stopped or running (SQLite WAL).
 */
import { parseArgs } from "node:util";
import { SkyportError } from "../aws/errors.js";
import { resolveConfig } from "./config.js";

const USAGE = "usage: skyport image import FILE [--tag REPO:TAG] [--data-dir DIR] [--region R] [--account 000000000000]";

export async function imageCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { tag: { type: "string" }, "data-dir": { type: "string" }, region: { type: "string" }, account: { type: "string" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new SkyportError(`${(e as Error).message.split("\n")[0]}\n${USAGE}`);
  }
  const [sub, file, ...extra] = parsed.positionals;
  if (sub !== "import" || !file || extra.length) throw new SkyportError(USAGE);
  const v = parsed.values;
  const config = resolveConfig({ "data-dir": v["data-dir"], region: v.region });
  const account = v.account ?? "000000000000";
  if (!/^\d{12}$/.test(account)) throw new SkyportError("--account must be 12 digits");
  let repo: string | undefined;
  let tag: string | undefined;
  if (v.tag) {
    const i = v.tag.lastIndexOf(":");
    repo = i > 0 ? v.tag.slice(0, i) : v.tag;
    tag = i > 0 ? v.tag.slice(i + 1) : "latest";
  }
  const { Store } = await import("../store/store.js");
  const { imageStoreFor } = await import("../images/image-store.js");
  const { importImageArchive, tagImported } = await import("../services/ecr/import.js");
  const store = new Store({ dir: config.dataDir });
  try {
    const images = imageStoreFor({ store, config: config as never });
    let result;
    try {
      result = await importImageArchive(images, file, Date.now());
    } catch (e) {
      throw new SkyportError(`cannot import ${file}: ${(e as Error).message}`);
    }
    if (repo && tag) {
      try {
        tagImported(images, account, config.region, repo, tag, result.digest, Date.now());
      } catch (e) {
        throw new SkyportError(`cannot tag ${v.tag}: ${(e as Error).message}`);
      }
      console.log(`imported ${result.kind} ${file} (${result.digest}) as ${account}.dkr.ecr.${config.region}.amazonaws.com/${repo}:${tag}`);
    } else {
      console.log(`imported ${result.kind} ${file} (${result.digest}); use it as ${result.kind}:${file}, or give --tag REPO:TAG to put it in ECR`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
