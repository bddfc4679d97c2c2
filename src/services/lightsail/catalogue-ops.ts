/**
 * The catalogue group: GetBlueprints, GetBundles, GetRegions (with availability zones on request).
 * Lists are short, so they come in one page (nextPageToken never set, as AWS does for these lists).
 */
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { BLUEPRINTS, BUNDLES, REGIONS } from "./catalogue.js";
import { invalidInput, zonesOf, type LightsailShared } from "./shared.js";

const APP_CATEGORIES = ["LfR"];

export class CatalogueOps {
  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {}

  GetBlueprints(_ctx: RequestContext, input: L.GetBlueprintsInput): L.GetBlueprintsOutput {
    if (input.appCategory !== undefined && !APP_CATEGORIES.includes(input.appCategory)) throw invalidInput(`Invalid appCategory: ${String(input.appCategory).slice(0, 64)}`);
    // Lightsail for Research blueprints are a separate list; Skyport has none.
    if (input.appCategory) return { blueprints: [] };
    return { blueprints: BLUEPRINTS.map(({ image: _i, username: _u, service: _s, ...b }) => b) };
  }

  GetBundles(_ctx: RequestContext, input: L.GetBundlesInput): L.GetBundlesOutput {
    if (input.appCategory !== undefined && !APP_CATEGORIES.includes(input.appCategory)) throw invalidInput(`Invalid appCategory: ${String(input.appCategory).slice(0, 64)}`);
    if (input.appCategory) return { bundles: [] };
    return { bundles: BUNDLES.map((b) => ({ ...b })) };
  }

  GetRegions(_ctx: RequestContext, input: L.GetRegionsInput): L.GetRegionsOutput {
    const withZones = input.includeAvailabilityZones === true;
    const withDbZones = input.includeRelationalDatabaseAvailabilityZones === true;
    return {
      regions: REGIONS.map(([name, displayName, description]) => {
        const zones = zonesOf(name).slice(0, 3).map((zoneName) => ({ zoneName, state: "available" }));
        return {
          continentCode: continentOf(name),
          description,
          displayName,
          name,
          ...(withZones ? { availabilityZones: zones } : {}),
          ...(withDbZones ? { relationalDatabaseAvailabilityZones: zones } : {}),
        };
      }),
    };
  }
}

function continentOf(region: string): string {
  if (region.startsWith("us-") || region.startsWith("ca-")) return "NA";
  if (region.startsWith("eu-")) return "EU";
  return "AP";
}
