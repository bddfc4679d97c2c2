/**
 * Limits on parsed documents, checked before anything walks them recursively. The shape-driven JSON and
 * query readers count their depth against MAX_DEPTH (JSON.parse itself is iterative in V8, and
 * fast-xml-parser refuses documents past its own maxNestedTags); documents whose aliases share subtrees (YAML
 * anchors) are measured as the expanded tree a later JSON.stringify or walk would see.
 */

export const DocumentLimits = {
  /** JSON/XML/query nesting: far above anything an AWS shape needs (DynamoDB allows 32 attribute levels), far below the stack. */
  MAX_DEPTH: 512,
} as const;

export interface ExpandedLimits {
  maxNodes: number;
  maxDepth: number;
  /** Sum of the lengths of every string and key, counted once per place it appears. */
  maxChars: number;
}

/**
 * Why `value`, fully expanded, is over the limits (a short reason), or undefined when it is within them.
 * Iterative and stops at the first limit, so a billion-node alias bomb costs at most `maxNodes` steps.
 */
export function exceedsExpanded(value: unknown, limits: ExpandedLimits): string | undefined {
  // Two parallel stacks (value, depth): no tuple per node, which halves the cost of a big walk.
  const values: unknown[] = [value];
  const depths: number[] = [1];
  let nodes = 0;
  let chars = 0;
  while (values.length) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (++nodes > limits.maxNodes) return `more than ${limits.maxNodes} nodes once aliases are expanded`;
    if (typeof v === "string") {
      chars += v.length;
      if (chars > limits.maxChars) return `more than ${limits.maxChars} characters once aliases are expanded`;
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth > limits.maxDepth) return `nested more than ${limits.maxDepth} levels deep`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
    } else {
      for (const k in v as Record<string, unknown>) {
        chars += k.length;
        values.push((v as Record<string, unknown>)[k]);
        depths.push(depth + 1);
      }
      if (chars > limits.maxChars) return `more than ${limits.maxChars} characters once aliases are expanded`;
    }
  }
  return undefined;
}
