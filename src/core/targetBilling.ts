// Whether invocations on a target cost money, which decides the cost confirmation and how costs
// are worded. An endpoint URL alone proves nothing: AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL
// also point the SDK at VPC interface endpoints and FIPS endpoints, which bill like AWS. So only
// the built-in endpoint and endpoints on this machine (loopback) count as free. Pure.

/** The part of a resolved target (src/aws/lambdaTarget.ts ResolvedTarget) this needs. */
export interface BillingTarget {
  target: { kind: 'aws' | 'local' | 'endpoint' };
  /** undefined = AWS's own endpoint. */
  endpoint?: string;
  /** The built-in local endpoint (never bills). */
  builtInEndpoint?: boolean;
}

/** True unless the target is the built-in endpoint or an endpoint on a loopback address. */
export function targetBills(resolved: BillingTarget): boolean {
  if (resolved.target.kind === 'local' || resolved.builtInEndpoint) return false;
  if (!resolved.endpoint) return true;
  let hostname: string;
  try {
    hostname = new URL(resolved.endpoint).hostname;
  } catch {
    return true; // cannot tell where it goes: assume it bills
  }
  return !isLoopbackHost(hostname);
}

/**
 * 127.0.0.0/8, ::1 (also as an IPv4-mapped 127.x address) and `localhost`. Takes a URL hostname,
 * which the URL parser has already normalised (IPv4 shorthand such as 127.1 becomes 127.0.0.1,
 * IPv6 keeps its brackets).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost') return true;
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (ipv4) return Number(ipv4[1]) === 127 && ipv4.slice(2).every((part) => Number(part) <= 255);
  const ipv6 = host.replace(/^\[|\]$/g, '');
  if (ipv6 === '::1' || ipv6 === '0:0:0:0:0:0:0:1') return true;
  // IPv4-mapped loopback, as the URL parser writes it: ::ffff:7f00:1 (127.0.0.1) ... ::ffff:7fff:ffff.
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(ipv6);
  if (mapped) return parseInt(mapped[1], 16) >> 8 === 127;
  return false;
}
