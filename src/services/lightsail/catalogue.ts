/**
 * Lightsail's catalogue as AWS lists it: instance bundles (Linux/Unix, IPv6-only and Windows plans with
 * their us-east-1 monthly prices, https://aws.amazon.com/lightsail/pricing/), blueprints (OS and app
 * images) and regions. Each blueprint maps to an OCI image Skyport runs (`image`, overridable with
 * `--lightsail-blueprint-image BLUEPRINT=IMAGE`); app blueprints start their image's own entrypoint as the
 * blueprint's service, OS blueprints start nothing but user data.
 */
import type * as L from "../../aws/api/lightsail.js";

type BundleShape = NonNullable<L.GetBundlesOutput["bundles"]>[number];
type BlueprintShape = NonNullable<L.GetBlueprintsOutput["blueprints"]>[number];
type Bundle = Required<Pick<BundleShape, "price" | "cpuCount" | "diskSizeInGb" | "bundleId" | "instanceType" | "isActive" | "name" | "power" | "ramSizeInGb" | "transferPerMonthInGb" | "supportedPlatforms" | "supportedAppCategories" | "publicIpv4AddressCount">>;

const SIZES = [
  // type, name, vCPUs, RAM GB, disk GB, transfer GB, power, Linux $, IPv6-only $, Windows $ (disk, $)
  ["nano", "Nano", 2, 0.5, 20, 1024, 300, 5, 3.5, [30, 9.5]],
  ["micro", "Micro", 2, 1, 40, 2048, 500, 7, 5, [40, 14]],
  ["small", "Small", 2, 2, 60, 3072, 1000, 12, 10, [60, 24]],
  ["medium", "Medium", 2, 4, 80, 4096, 2000, 24, 22, [80, 44]],
  ["large", "Large", 2, 8, 160, 5120, 3000, 44, 42, [160, 74]],
  ["xlarge", "XLarge", 4, 16, 320, 6144, 4000, 84, 82, [320, 142]],
  ["2xlarge", "2XLarge", 8, 32, 640, 7168, 5000, 164, 162, [640, 272]],
] as const;

function bundle(id: string, s: (typeof SIZES)[number], price: number, disk: number, platform: string, ipv4: number): Bundle {
  const [instanceType, name, cpuCount, ramSizeInGb, , transferPerMonthInGb, power] = s;
  return {
    price, cpuCount, diskSizeInGb: disk, bundleId: id, instanceType, isActive: true, name, power, ramSizeInGb, transferPerMonthInGb,
    supportedPlatforms: [platform], supportedAppCategories: [], publicIpv4AddressCount: ipv4,
  };
}

/** Instance bundles, cheapest first per platform. */
export const BUNDLES: readonly Bundle[] = [
  ...SIZES.map((s) => bundle(`${s[0]}_3_0`, s, s[7], s[4], "LINUX_UNIX", 1)),
  ...SIZES.map((s) => bundle(`${s[0]}_ipv6_3_0`, s, s[8], s[4], "LINUX_UNIX", 0)),
  ...SIZES.map((s) => bundle(`${s[0]}_win_3_0`, s, s[9][1], s[9][0], "WINDOWS", 1)),
];

export interface BlueprintInfo extends BlueprintShape {
  /** Default OCI image reference. */
  image: string;
  /** Login user of the image's distribution (GetInstanceAccessDetails). */
  username: string;
  /** Whether the image's own entrypoint/cmd is the blueprint's service, started at every boot. */
  service: boolean;
}

function bp(
  blueprintId: string, name: string, group: string, type: "os" | "app", version: string, image: string,
  opts: { username?: string; description?: string; minPower?: number; platform?: string; productUrl?: string } = {},
): BlueprintInfo {
  return {
    blueprintId, name, group, type, description: opts.description ?? `${name} ${version}`, isActive: true, minPower: opts.minPower ?? 0,
    version, versionCode: version.replace(/\D/g, "") || "1", productUrl: opts.productUrl ?? "", licenseUrl: "", platform: opts.platform ?? "LINUX_UNIX",
    appCategory: undefined, image, username: opts.username ?? (type === "os" ? "admin" : "bitnami"), service: type === "app",
  };
}

export const BLUEPRINTS: readonly BlueprintInfo[] = [
  bp("amazon_linux_2023", "Amazon Linux 2023", "amazon_linux_2023", "os", "2023.6.20241010.0", "public.ecr.aws/amazonlinux/amazonlinux:2023", { username: "ec2-user" }),
  bp("ubuntu_24_04", "Ubuntu", "ubuntu_24", "os", "24.04 LTS", "docker.io/library/ubuntu:24.04", { username: "ubuntu" }),
  bp("ubuntu_22_04", "Ubuntu", "ubuntu_22", "os", "22.04 LTS", "docker.io/library/ubuntu:22.04", { username: "ubuntu" }),
  bp("debian_12", "Debian", "debian_12", "os", "12.7", "docker.io/library/debian:12", { username: "admin" }),
  bp("debian_11", "Debian", "debian_11", "os", "11.11", "docker.io/library/debian:11", { username: "admin" }),
  bp("nodejs", "Node.js", "node", "app", "22.11.0", "docker.io/library/node:22-bookworm-slim", { username: "bitnami", productUrl: "https://nodejs.org" }),
  bp("nginx", "Nginx", "nginx", "app", "1.26.2", "docker.io/library/nginx:1.26", { username: "bitnami", productUrl: "https://nginx.org" }),
  bp("lamp_8_bitnami", "LAMP (PHP 8)", "lamp_8", "app", "8.2.24", "docker.io/library/php:8.2-apache", { username: "bitnami" }),
  bp("wordpress", "WordPress", "wordpress", "app", "6.6.2", "docker.io/library/wordpress:6.6-apache", { username: "bitnami", minPower: 300, productUrl: "https://wordpress.org" }),
  bp("ghost_bitnami", "Ghost", "ghost_bitnami", "app", "5.96.0", "docker.io/library/ghost:5", { username: "bitnami", productUrl: "https://ghost.org" }),
];

/** Region names with the display names AWS gives them (Lightsail's regions). */
export const REGIONS: ReadonlyArray<[string, string, string]> = [
  ["us-east-1", "Virginia", "This region is recommended to serve users in the eastern United States"],
  ["us-east-2", "Ohio", "This region is recommended to serve users in the eastern United States"],
  ["us-west-2", "Oregon", "This region is recommended to serve users in the northwestern United States, Alaska, and western Canada"],
  ["ca-central-1", "Canada", "This region is recommended to serve users in Canada"],
  ["eu-west-1", "Ireland", "This region is recommended to serve users in Ireland, the United Kingdom, and Iceland"],
  ["eu-west-2", "London", "This region is recommended to serve users in the United Kingdom"],
  ["eu-west-3", "Paris", "This region is recommended to serve users in France"],
  ["eu-central-1", "Frankfurt", "This region is recommended to serve users in Germany, Austria, and eastern Europe"],
  ["eu-north-1", "Stockholm", "This region is recommended to serve users in Scandinavia and northern Europe"],
  ["ap-south-1", "Mumbai", "This region is recommended to serve users in India"],
  ["ap-northeast-1", "Tokyo", "This region is recommended to serve users in Japan"],
  ["ap-northeast-2", "Seoul", "This region is recommended to serve users in South Korea"],
  ["ap-southeast-1", "Singapore", "This region is recommended to serve users in Southeast Asia"],
  ["ap-southeast-2", "Sydney", "This region is recommended to serve users in Australia and New Zealand"],
  ["ap-southeast-3", "Jakarta", "This region is recommended to serve users in Indonesia"],
];

export const bundleById = (id: string) => BUNDLES.find((b) => b.bundleId === id);
export const blueprintById = (id: string) => BLUEPRINTS.find((b) => b.blueprintId === id);
