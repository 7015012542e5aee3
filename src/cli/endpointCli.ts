// `lambda-lab endpoint`: serve the built-in local Lambda endpoint until SIGINT/SIGTERM.
// Prints one JSON line with what a client needs (endpoint, region, generated credentials, CPU
// limit) and records it in the endpoint state file so `lambda-lab deploy --local` can find it.
import type { CliCommand } from './cliCommands';
import { parseCliArgs } from './cliArgs';
import * as path from 'node:path';
import { defaultEndpointStoreDir, startLocalEndpoint, StoreInUseError, type CpuLimitMethod, type LocalEndpointHandle } from '../localEndpoint';
import { removeEndpointState, writeEndpointState } from '../localEndpoint/endpointStateFile';

const usage = `Usage: lambda-lab endpoint [--port N] [--region R] [--cpu-limit auto|cgroup-v2|cgroup-v1|systemd-run|none]
                          [--store FOLDER] [--throttle-rate x] [--error-rate x] [--latency ms] [--seed n] [--verbose]

Runs a Lambda-compatible API on 127.0.0.1 that executes functions in local Node processes with
Lambda's CPU share (memory/1769 CPUs, visible-core bands). Prints one JSON line:
  {"endpoint","region","accessKeyId","secretAccessKey","cpuLimit","cpuLimitDetail"}
Point the AWS SDK or the AWS CLI (--endpoint-url) at "endpoint" with those credentials; every
request must be SigV4-signed over its body, as both do. Stops on Ctrl+C (SIGINT) or SIGTERM, removing its
processes, cgroups and temp files. Deployed functions are kept in the store folder and are there
again on the next start.

  --port N           Port on 127.0.0.1 (default: a free one).
  --region R         Region in ARNs and AWS_REGION (default us-east-1).
  --cpu-limit M      How to limit CPU (default auto: detect what works here). With none there is no
                     quota, but environments keep the high CPU weight of limited ones where a
                     cgroup can be made (see the startup line).
  --store FOLDER     Where functions are kept between runs (default: $LAMBDA_LAB_ENDPOINT_STORE, else
                     the per-user state folder, e.g. ~/.local/state/lambda-lab/endpoint).
  --throttle-rate x  Share 0..1 of Invokes answered 429 TooManyRequestsException (testing).
  --error-rate x     Share 0..1 of Invokes answered 500 ServiceException (testing).
  --latency ms       Added latency per request (testing).
  --seed n           Seed for the fault dice (default 1).
  --verbose          Log events to stderr (never credentials).
`;

export const endpointCli: CliCommand = {
  summary: 'Serve the built-in local Lambda endpoint (no AWS account needed)',
  run,
};

const CPU_METHODS = ['auto', 'cgroup-v2', 'cgroup-v1', 'systemd-run', 'none'];

async function run(argv: string[]): Promise<number> {
  const parsed = parseCliArgs('endpoint', usage, argv, {
    port: { type: 'string' },
    region: { type: 'string' },
    'cpu-limit': { type: 'string' },
    store: { type: 'string' },
    'throttle-rate': { type: 'string' },
    'error-rate': { type: 'string' },
    latency: { type: 'string' },
    seed: { type: 'string' },
    verbose: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const problems: string[] = [];
  const number = (name: string, text: string | undefined, min: number, max: number, integer: boolean): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      problems.push(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
      return undefined;
    }
    return value;
  };
  const port = number('port', values.port, 0, 65535, true);
  const throttleRate = number('throttle-rate', values['throttle-rate'], 0, 1, false);
  const serverErrorRate = number('error-rate', values['error-rate'], 0, 1, false);
  const addedLatencyMs = number('latency', values.latency, 0, 600_000, false);
  const seed = number('seed', values.seed, 0, 2 ** 32 - 1, true);
  const cpuLimit = values['cpu-limit'] ?? 'auto';
  if (!CPU_METHODS.includes(cpuLimit)) problems.push(`--cpu-limit must be one of ${CPU_METHODS.join(', ')}, got "${cpuLimit}"`);
  if ((throttleRate ?? 0) + (serverErrorRate ?? 0) > 1) problems.push('--throttle-rate plus --error-rate must not exceed 1');
  if (problems.length > 0) {
    process.stderr.write(`lambda-lab endpoint: ${problems.join('; ')}\n\n${usage}`);
    return 2;
  }

  // Listen before starting: a signal that arrives while the endpoint starts (or just after its
  // line is printed) must still clean up, not kill the process with its folders and cgroups.
  // SIGHUP too: closing the terminal that runs the endpoint must still clean up.
  const stopRequested = new Promise<void>((resolve) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const onSignal = () => {
      for (const signal of signals) process.off(signal, onSignal);
      resolve();
    };
    for (const signal of signals) process.on(signal, onSignal);
  });

  const log = values.verbose ? (line: string) => process.stderr.write(`[endpoint] ${line}\n`) : undefined;
  if (values.store === '') {
    process.stderr.write(`lambda-lab endpoint: --store needs a folder\n\n${usage}`);
    return 2;
  }
  // Warnings (a damaged stored function) are shown even without --verbose.
  const report = (line: string) => (log ? log(line) : line.startsWith('warning:') && process.stderr.write(`lambda-lab endpoint: ${line}\n`));
  let handle: LocalEndpointHandle;
  try {
    handle = await startLocalEndpoint({
      port,
      region: values.region,
      cpuLimit: cpuLimit as CpuLimitMethod | 'auto',
      faults: { throttleRate, serverErrorRate, addedLatencyMs, seed },
      storeDir: path.resolve(values.store ?? defaultEndpointStoreDir()),
      log: report,
    });
  } catch (error) {
    if (error instanceof StoreInUseError) {
      process.stderr.write(`lambda-lab endpoint: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const state = {
    endpoint: handle.endpoint,
    region: handle.region,
    accessKeyId: handle.accessKeyId,
    secretAccessKey: handle.secretAccessKey,
    cpuLimit: handle.cpuLimit,
  };
  // Recorded before the line is printed, so whoever waits for the line can rely on the file.
  await writeEndpointState({ ...state, pid: process.pid, startedAt: new Date().toISOString() }).catch((error: unknown) => {
    process.stderr.write(
      `lambda-lab endpoint: could not record the endpoint for other lambda-lab commands: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  });
  process.stdout.write(`${JSON.stringify({ ...state, cpuLimitDetail: handle.cpuLimitDetail })}\n`);
  if (handle.cpuLimit === 'none') process.stderr.write(`lambda-lab endpoint: no CPU limit applied — results will be unthrottled (${handle.cpuLimitDetail}).\n`);

  await stopRequested;
  await removeEndpointState(process.pid).catch(() => {});
  await handle.stop();
  return 0;
}
