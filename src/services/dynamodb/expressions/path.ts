/** Document paths (a.b[1].#c): the parsed form, printing and lookup in an item. */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";

/** Each element is an attribute/map key (string) or a list index (number); names already resolved. */
export type DocumentPath = (string | number)[];

export function pathToString(p: DocumentPath): string {
  let s = "";
  for (const e of p) s += typeof e === "number" ? `[${e}]` : s ? `.${e}` : e;
  return s;
}

export function getPath(item: Record<string, AttributeValue> | undefined, p: DocumentPath): AttributeValue | undefined {
  if (!item || !p.length || typeof p[0] !== "string") return undefined;
  let v: AttributeValue | undefined = item[p[0]];
  for (let i = 1; i < p.length && v; i++) {
    const e = p[i]!;
    if (typeof e === "number") v = v.L ? v.L[e] : undefined;
    else v = v.M ? v.M[e] : undefined;
  }
  return v;
}
