/**
 * IP addresses and CIDR blocks for the "cidr" matcher (IPv4 and IPv6). Addresses become BigInt ranges,
 * so one comparison pair decides membership.
 */

export interface IpRange {
  v6: boolean;
  lo: bigint;
  hi: bigint;
}

/** Parses an IPv4 or IPv6 address (IPv6 with `::` compression and an embedded IPv4 tail); undefined if none. */
export function parseIp(s: string): { v6: boolean; n: bigint } | undefined {
  if (s.length > 64) return undefined;
  if (s.includes(":")) {
    const n = parseV6(s);
    return n === undefined ? undefined : { v6: true, n };
  }
  const n = parseV4(s);
  return n === undefined ? undefined : { v6: false, n };
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
    const v4 = parseV4(tail);
    if (v4 === undefined) return undefined;
    text = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const have = head.length + rest.length;
  if (halves.length === 1 ? have !== 8 : have > 7) return undefined;
  const words = [...head, ...Array<string>(8 - have).fill("0"), ...rest];
  let n = 0n;
  for (const w of words) n = (n << 16n) | BigInt(parseInt(w, 16));
  return n;
}

/** Parses "addr/bits" (or a bare address: a block of one); undefined when it is not a CIDR block. */
export function parseCidr(s: string): IpRange | undefined {
  const slash = s.indexOf("/");
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!ip) return undefined;
  const width = ip.v6 ? 128 : 32;
  let bits = width;
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > width) return undefined;
    bits = Number(b);
  }
  const hostBits = BigInt(width - bits);
  const lo = (ip.n >> hostBits) << hostBits;
  return { v6: ip.v6, lo, hi: lo | ((1n << hostBits) - 1n) };
}

export function ipInRange(range: IpRange, value: string): boolean {
  const ip = parseIp(value);
  return !!ip && ip.v6 === range.v6 && ip.n >= range.lo && ip.n <= range.hi;
}
