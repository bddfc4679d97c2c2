/** Prints a comparison table: one row per (scenario, server) with ratios against Skyport. */
export interface Row {
  scenario: string;
  server: string;
  values: Record<string, number | undefined>;
}

export interface Column {
  key: string;
  label: string;
  /** Whether a larger value is better (throughput) or worse (latency, RSS, start time). */
  higherIsBetter: boolean;
  digits?: number;
}

export function printTable(title: string, rows: Row[], columns: Column[]): string {
  const lines: string[] = [`\n## ${title}\n`];
  const header = ["scenario", "server", ...columns.map((c) => c.label), "Skyport advantage"];
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`);
  for (const row of rows) {
    const sky = rows.find((r) => r.scenario === row.scenario && r.server === "skyport");
    const ratios: string[] = [];
    if (sky && row.server !== "skyport") {
      for (const c of columns) {
        const a = sky.values[c.key];
        const b = row.values[c.key];
        if (a === undefined || b === undefined || !a || !b) continue;
        const ratio = c.higherIsBetter ? a / b : b / a;
        ratios.push(`${c.label} ${ratio.toFixed(1)}x`);
      }
    }
    const cells = columns.map((c) => {
      const v = row.values[c.key];
      return v === undefined || Number.isNaN(v) ? "–" : v.toFixed(c.digits ?? 0);
    });
    // A ratio against a system that answered with errors, or hardly at all (its latencies then describe a request or
    // two), or while Skyport did, is not a comparison.
    const failed = (row.values.errors ?? 0) > 0 ? row.server : (sky?.values.errors ?? 0) > 0 ? "skyport" : undefined;
    const stalled = (row.values.rps ?? 1) < 1 ? row.server : (sky?.values.rps ?? 1) < 1 ? "skyport" : undefined;
    const advantage = row.server === "skyport" ? "" : failed ? `no ratio: ${failed} answered errors` : stalled ? `no ratio: ${stalled} answered under 1 request a second` : ratios.join(", ");
    lines.push(`| ${row.scenario} | ${row.server} | ${cells.join(" | ")} | ${advantage} |`);
  }
  const out = lines.join("\n");
  console.log(out);
  return out;
}
