/**
 * Request values echoed in validation messages, in the two forms DynamoDB's front end prints them:
 * BatchGetItem quotes the request as JSON, BatchWriteItem as Java's toString of the SDK model
 * (`{t=[WriteRequest(putRequest=PutRequest(item={pk=AttributeValue(S=x)}), deleteRequest=null)]}`).
 */
import type { AttributeValue, BatchWriteItemInput } from "../../../aws/api/dynamodb.js";

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

/** JSON as the client sent it (binary values base64). */
export const wireJson = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? b64(v) : v));

function javaValue(v: AttributeValue): string {
  const [type, x] = Object.entries(v).find(([, y]) => y !== undefined) ?? ["NULL", true];
  let s: string;
  if (type === "M") s = javaMap(x as Record<string, AttributeValue>);
  else if (type === "L") s = `[${(x as AttributeValue[]).map(javaValue).join(", ")}]`;
  else if (type === "B") s = `SdkBytes(bytes=0x${Buffer.from(x as Uint8Array).toString("hex")})`;
  else if (type === "BS") s = `[${(x as Uint8Array[]).map((b) => `SdkBytes(bytes=0x${Buffer.from(b).toString("hex")})`).join(", ")}]`;
  else if (Array.isArray(x)) s = `[${x.join(", ")}]`;
  else s = String(x);
  return `AttributeValue(${type}=${s})`;
}

const javaMap = (m: Record<string, AttributeValue>) => `{${Object.entries(m).map(([k, v]) => `${k}=${javaValue(v)}`).join(", ")}}`;

/** BatchWriteItem's RequestItems as Java's toString prints it. */
export function javaRequestItems(items: BatchWriteItemInput["RequestItems"]): string {
  const tables = Object.entries(items).map(([t, reqs]) => {
    const rs = reqs.map((r) => {
      const put = r.PutRequest ? `PutRequest(item=${javaMap(r.PutRequest.Item)})` : "null";
      const del = r.DeleteRequest ? `DeleteRequest(key=${javaMap(r.DeleteRequest.Key)})` : "null";
      return `WriteRequest(putRequest=${put}, deleteRequest=${del})`;
    });
    return `${t}=[${rs.join(", ")}]`;
  });
  return `{${tables.join(", ")}}`;
}
