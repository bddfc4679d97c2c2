/**
 * Warm throughput ("Understanding DynamoDB warm throughput"): how much a table or GSI can serve at once.
 * A new table or GSI starts at 12,000 read and 4,000 write units per second in either billing mode; a
 * provisioned throughput above that raises it; CreateTable/UpdateTable can raise it (pre-warming). It never
 * decreases, so a requested value below the current one leaves the current one. Skyport never throttles,
 * so the values are reported, not enforced; raising them is done at once (Status ACTIVE).
 */
import type { UpdateTableInput } from "../../../aws/api/dynamodb.js";
import { Limits } from "../constants.js";
import type { Warm } from "../store.js";

type WarmInput = NonNullable<UpdateTableInput["WarmThroughput"]>;

/** The stored warm throughput after a request asked for `input` (undefined: unchanged). */
export function raiseWarm(current: Warm | undefined, input: WarmInput | undefined): Warm | undefined {
  if (!input) return current;
  return {
    read: Math.max(current?.read ?? 0, input.ReadUnitsPerSecond ?? 0),
    write: Math.max(current?.write ?? 0, input.WriteUnitsPerSecond ?? 0),
  };
}

/** The WarmThroughput a TableDescription (or one of its GSIs) reports. */
export function describeWarm(stored: Warm | undefined, provisioned: Warm | undefined, status: string) {
  return {
    ReadUnitsPerSecond: Math.max(Limits.WARM_READ_UNITS_PER_SECOND, stored?.read ?? 0, provisioned?.read ?? 0),
    WriteUnitsPerSecond: Math.max(Limits.WARM_WRITE_UNITS_PER_SECOND, stored?.write ?? 0, provisioned?.write ?? 0),
    Status: status,
  };
}
