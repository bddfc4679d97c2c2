/**
 * Resolves an image's User ("name", "uid", "uid:gid", "name:group", empty = root) against the image's own
 * /etc/passwd and /etc/group, read from the root filesystem without following symlinks (a link to /etc/passwd
 * would read the host's) and bounded in size.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";

const MAX_DB_BYTES = 1 << 20;

export interface ResolvedUser {
  uid: number;
  gid: number;
}

/** Reads a small regular file of the image, or "" when it is missing, a link or too big. */
function readImageFile(rootfs: string, rel: string): string {
  let fd: number | undefined;
  try {
    // O_NOFOLLOW on the last component; the parents (etc) are checked the same way below.
    const etc = openSync(join(rootfs, "etc"), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY);
    closeSync(etc);
    fd = openSync(join(rootfs, rel), constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_DB_BYTES) return "";
    const buf = Buffer.alloc(st.size);
    readSync(fd, buf, 0, st.size, 0);
    return buf.toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The user a container runs as; throws an Error with Docker's wording when a name is unknown. */
export function resolveUser(rootfs: string, user: string | undefined): ResolvedUser {
  const spec = (user ?? "").trim();
  if (!spec) return { uid: 0, gid: 0 };
  const [u, g] = spec.split(":", 2) as [string, string | undefined];
  const passwd = readImageFile(rootfs, "etc/passwd").split("\n").map((l) => l.split(":"));
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const row = passwd.find((r) => r[2] === u);
    if (row) gid = Number(row[3]);
  } else {
    const row = passwd.find((r) => r[0] === u);
    if (!row || !/^\d+$/.test(row[2] ?? "")) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined && g !== "") {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = readImageFile(rootfs, "etc/group").split("\n").map((l) => l.split(":")).find((r) => r[0] === g);
      if (!row || !/^\d+$/.test(row[2] ?? "")) throw new Error(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(row[2]);
    }
  }
  if (!(uid >= 0 && uid < 2 ** 31) || !((gid ?? 0) >= 0 && (gid ?? 0) < 2 ** 31)) throw new Error(`invalid user ${spec}`);
  return { uid, gid: Number.isFinite(gid) ? gid! : uid === 0 ? 0 : uid };
}
