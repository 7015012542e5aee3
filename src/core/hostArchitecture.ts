// The built-in endpoint runs functions natively on this machine's CPU, so the only Lambda
// architecture it can honestly report (and price) is the host's own.
import type { Architecture } from './experimentConfig';

/** Node's `process.arch` / `os.arch()` name to Lambda's architecture name (anything not arm64 runs as x86_64). */
function lambdaArchitectureOf(nodeArch: string): Architecture {
  return nodeArch === 'arm64' ? 'arm64' : 'x86_64';
}

/** The Lambda architecture of the machine this process runs on. */
export function hostLambdaArchitecture(): Architecture {
  return lambdaArchitectureOf(process.arch);
}

/** Why the built-in endpoint refuses `requested`, and what to do instead. */
export function foreignArchitectureMessage(requested: string, host: Architecture): string {
  return `Architecture ${requested} cannot run here: the built-in endpoint runs functions on this machine's CPU (${host}); deploy with --arch ${host}, or use AWS to compare architectures.`;
}

/**
 * The architectures to deploy: the built-in endpoint gets the host's by default and refuses any
 * other (throws an Error saying what to do); AWS and other endpoints default to x86_64.
 */
export function architecturesForTarget(
  builtInEndpoint: boolean,
  requested: Architecture[] | undefined,
  host: Architecture = hostLambdaArchitecture(),
): Architecture[] {
  if (!builtInEndpoint) return requested ?? ['x86_64'];
  if (requested === undefined) return [host];
  const foreign = requested.find((arch) => arch !== host);
  if (foreign) throw new Error(foreignArchitectureMessage(foreign, host));
  return requested;
}
