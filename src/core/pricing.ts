// What one invocation costs: billed GB-seconds at the architecture's price plus the request price.
// Prices are the first (cheapest-volume, up to 6 billion GB-s a month) tier of on-demand pricing
// and ignore the free tier, so they are what an extra experiment costs an account already past it.
import type { Architecture } from './experimentConfig';

export interface RegionPrices {
  region: string;
  /** USD per GB-second of billed duration. */
  x86_64PerGBs: number;
  arm64PerGBs: number;
  /** USD per invocation. */
  perRequest: number;
  source: string;
  /** When the table was transcribed from the source. */
  asOf: string;
  /** True when this region is not in the table and us-east-1's prices stand in for it. */
  estimated: boolean;
}

const PRICING_SOURCE = 'https://aws.amazon.com/lambda/pricing/';
const PRICING_AS_OF = '2026-11-27';

const STANDARD = { x86_64PerGBs: 0.0000166667, arm64PerGBs: 0.0000133334, perRequest: 0.2 / 1_000_000 };

/**
 * Regions whose duration and request prices we know. Most commercial regions share us-east-1's
 * prices; the few that are dearer list their own duration price. Anything else falls back to
 * us-east-1 and is marked `estimated`.
 */
const REGION_TABLE: Record<string, { x86_64PerGBs: number; arm64PerGBs: number; perRequest: number; estimated?: boolean }> = {
  'us-east-1': STANDARD,
  'us-east-2': STANDARD,
  'us-west-1': STANDARD,
  'us-west-2': STANDARD,
  'ca-central-1': STANDARD,
  'eu-west-1': STANDARD,
  'eu-west-2': STANDARD,
  'eu-west-3': STANDARD,
  'eu-central-1': STANDARD,
  'eu-north-1': STANDARD,
  'ap-south-1': STANDARD,
  'ap-southeast-1': STANDARD,
  'ap-southeast-2': STANDARD,
  'ap-northeast-1': STANDARD,
  'ap-northeast-2': STANDARD,
  // Dearer duration prices; their request prices are not confirmed here, so they stay estimated.
  'af-south-1': { x86_64PerGBs: 0.0000221, arm64PerGBs: 0.00001768, perRequest: STANDARD.perRequest, estimated: true },
  'ap-east-1': { x86_64PerGBs: 0.00002292, arm64PerGBs: 0.0000183, perRequest: STANDARD.perRequest, estimated: true },
  'eu-south-1': { x86_64PerGBs: 0.0000195172, arm64PerGBs: 0.0000156138, perRequest: STANDARD.perRequest, estimated: true },
  'me-south-1': { x86_64PerGBs: 0.0000206667, arm64PerGBs: 0.0000165334, perRequest: STANDARD.perRequest, estimated: true },
  'me-central-1': { x86_64PerGBs: 0.0000206667, arm64PerGBs: 0.0000165334, perRequest: STANDARD.perRequest, estimated: true },
};

export const DEFAULT_PRICING_REGION = 'us-east-1';

/** Regions with a table entry (prices possibly `estimated`). */
export function pricedRegions(): string[] {
  return Object.keys(REGION_TABLE);
}

export function pricesFor(region: string): RegionPrices {
  const known = REGION_TABLE[region];
  const prices = known ?? REGION_TABLE[DEFAULT_PRICING_REGION];
  return {
    region,
    x86_64PerGBs: prices.x86_64PerGBs,
    arm64PerGBs: prices.arm64PerGBs,
    perRequest: prices.perRequest,
    source: known ? PRICING_SOURCE : `${PRICING_SOURCE} (no entry for ${region}; us-east-1 prices used)`,
    asOf: PRICING_AS_OF,
    estimated: known ? known.estimated === true : true,
  };
}

export function pricePerGBs(arch: Architecture, region = DEFAULT_PRICING_REGION): number {
  const prices = pricesFor(region);
  switch (arch) {
    case 'x86_64':
      return prices.x86_64PerGBs;
    case 'arm64':
      return prices.arm64PerGBs;
    default:
      throw new RangeError(`architecture "${String(arch)}" has no price: use x86_64 or arm64`);
  }
}

/** cost = billedMs/1000 × memoryMB/1024 × price per GB-s + price per request, in USD. */
export function invocationCostUsd(input: { billedMs: number; memoryMB: number; arch: Architecture; region?: string }): number {
  const { billedMs, memoryMB, arch, region = DEFAULT_PRICING_REGION } = input;
  if (!Number.isFinite(billedMs) || billedMs < 0) {
    throw new RangeError(`billed duration ${billedMs} ms cannot be priced: it must be a finite number of ms >= 0`);
  }
  if (!Number.isFinite(memoryMB) || memoryMB <= 0) {
    throw new RangeError(`memory size ${memoryMB} MB cannot be priced: it must be a positive number of MB`);
  }
  const gbSeconds = (billedMs / 1000) * (memoryMB / 1024);
  return gbSeconds * pricePerGBs(arch, region) + pricesFor(region).perRequest;
}
