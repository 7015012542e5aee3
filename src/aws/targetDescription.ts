// Words for a target, in a module of its own so the status bar can describe the target without
// loading the AWS SDK (lambdaTarget.ts imports it).
import type { Target } from './lambdaTarget';

/** A short description for messages and the status bar. */
export function describeTarget(target: Target, localEndpoint?: string): string {
  switch (target.kind) {
    case 'local':
      return localEndpoint ? `Local (built-in) at ${localEndpoint}` : 'Local (built-in)';
    case 'endpoint':
      return `Endpoint ${target.url} (${target.region}${target.profile ? `, profile "${target.profile}"` : ''})`;
    case 'aws':
      return `AWS ${target.profile ? `profile "${target.profile}"` : 'default credentials'} (${target.region})`;
  }
}
