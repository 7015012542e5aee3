// The study replayed as a Lambda target: the local endpoint's own HTTP front (same API, SigV4,
// function registry, tags, states) on 127.0.0.1, with an invocation pool that runs no code and
// answers each Invoke with one of the study's recorded times for the function's architecture,
// memory and the event's thread count. The sweep engine, deploy and cleanup talk to it through
// the real AWS SDK exactly as to any endpoint, so a replayed sweep writes the same run files.
import { CodeUrlSigner } from '../localEndpoint/codeUrls';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Architecture } from '../core/experimentConfig';
import type { InvocationRecord } from '../core/invocationRecord';
import { parseSeedCsv } from '../core/analysis/seedCsvImport';
import { StudyReplay, UnknownReplayConfigurationError } from '../core/studyReplay';
import type { LocalEndpointConnection } from '../aws/lambdaTarget';
import type { FunctionPackage } from '../deploy/deployer';
import type { PooledInvocation } from '../localEndpoint/environmentPool';
import { FaultInjector } from '../localEndpoint/faultInjector';
import { FunctionRegistry } from '../localEndpoint/functionRegistry';
import type { FunctionRevision } from '../localEndpoint/functionRecord';
import { LambdaApiServer } from '../localEndpoint/lambdaApiServer';
import { generateCredentials } from '../localEndpoint/requestAuth';

/** What run.json and every record say about how CPU was "limited": by AWS, in the study. */
export const REPLAY_CPU_LIMIT = 'replay (times recorded on AWS Lambda)';
const REPLAY_ACCOUNT_ID = '123456789012';

/** The study's per-configuration CSVs in a folder (AggregatedResults.csv and other files are skipped). */
export function loadStudyRecords(folder: string): InvocationRecord[] {
  let names: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a folder');
    names = readdirSync(folder);
  } catch {
    throw new Error(`--replay needs a folder of the study's CSV files (Lambda_<memory>_<threads>_<arch>.csv); "${folder}" is not a readable folder.`);
  }
  const records: InvocationRecord[] = [];
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.csv')).sort()) {
    const file = path.join(folder, name);
    const content = parseSeedCsv(readFileSync(file, 'utf8'), file);
    if (content.format === 'per-invocation') records.push(...content.records);
  }
  if (records.length === 0) throw new Error(`No per-invocation study CSVs (columns Architecture,Memory,Workers,sk,cores,proc_time) were found in ${folder}.`);
  return records;
}

/** A valid, empty zip: the replay runs no code, but deploy and the registry want a package. */
export function replayPackage(): FunctionPackage {
  const zip = new Uint8Array(Buffer.from(`504b0506${'00'.repeat(18)}`, 'hex'));
  return { zip, codeSha256: createHash('sha256').update(zip).digest('base64'), sizeBytes: zip.length };
}

export interface ReplayEndpointHandle extends LocalEndpointConnection {
  replay: StudyReplay;
  /** Invocations answered so far (the warm-ups included). */
  invocations(): number;
  stop(): Promise<void>;
}

export async function startReplayEndpoint(options: {
  records: readonly InvocationRecord[];
  seed: number;
  log?: (line: string) => void;
}): Promise<ReplayEndpointHandle> {
  const log = options.log ?? (() => {});
  const region = 'us-east-1';
  const replay = new StudyReplay(options.records, options.seed);
  const credentials = generateCredentials();
  const warmRevisions = new Set<string>();
  let answered = 0;
  const registry = new FunctionRegistry({
    region,
    accountId: REPLAY_ACCOUNT_ID,
    anyArchitecture: true,
    transitionMs: () => 0,
    codeUrl: (name) => `replay://${encodeURIComponent(name)}`,
    onRevisionRetired: (revision) => warmRevisions.delete(revision.revisionId),
    codeStore: { unpack: async (functionName) => `replay:${functionName}`, discard: () => {} },
  });
  const pool = {
    invoke: async (revision: FunctionRevision, _requestId: string, payload: string): Promise<PooledInvocation> => {
      answered++;
      const coldStart = !warmRevisions.has(revision.revisionId);
      warmRevisions.add(revision.revisionId);
      return answerFromStudy(replay, revision, payload, coldStart);
    },
  };
  const server = new LambdaApiServer({
    credentials,
    registry,
    pool,
    faults: new FaultInjector({}),
    cpuLimitLabel: REPLAY_CPU_LIMIT,
    codeUrls: new CodeUrlSigner(),
    log,
  });
  const port = await server.listen(0);
  const endpoint = `http://127.0.0.1:${port}`;
  log(`study replay listening on ${endpoint} (${replay.recordCount} recorded times, ${replay.architectures().join(' and ')})`);
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    region,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    cpuLimit: REPLAY_CPU_LIMIT,
    replay,
    invocations: () => answered,
    stop: () => {
      stopping ??= (async () => {
        registry.close();
        await server.close();
      })();
      return stopping;
    },
  };
}

function answerFromStudy(replay: StudyReplay, revision: FunctionRevision, payload: string, coldStart: boolean): PooledInvocation {
  const arch = revision.architecture as Architecture;
  let threads = Number.NaN;
  try {
    threads = Number((JSON.parse(payload) as { workers?: unknown }).workers);
  } catch {
    // answered below as the template would: a refused event
  }
  const base = { logLines: [], maxMemoryUsedMB: 0, initDurationMs: coldStart ? 0 : null, placement: 'replay' };
  if (!Number.isInteger(threads) || threads < 1) {
    return { ...base, kind: 'ok', body: JSON.stringify({ error: 'the event has no whole "workers" count of at least 1' }), errorType: null, durationMs: 1 };
  }
  try {
    const sample = replay.draw(arch, revision.memorySize, threads);
    const body = {
      processingMs: sample.processingMs,
      availableParallelism: sample.cores,
      cpuModel: 'replayed study measurement',
      cpuLimit: REPLAY_CPU_LIMIT,
      coldStart,
    };
    return { ...base, kind: 'ok', body: JSON.stringify(body), errorType: null, durationMs: sample.processingMs };
  } catch (error) {
    if (!(error instanceof UnknownReplayConfigurationError)) throw error;
    return {
      ...base,
      kind: 'handlerError',
      body: JSON.stringify({ errorType: 'ReplayConfigurationUnknown', errorMessage: error.message }),
      errorType: 'ReplayConfigurationUnknown',
      durationMs: 1,
    };
  }
}
