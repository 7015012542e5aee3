// Runs the real template on the local endpoint at given memory sizes and worker counts and
// returns the median of the template's own processingMs. Used by the CPU-model test and by the
// measurement script that prints the table.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as path from 'node:path';
import { packageFunction } from '../../src/deploy/packager';
import { createActiveFunction, decodePayload } from './localEndpointFixture';

export const templateDir = path.resolve(__dirname, '../../../lambda-template');

export interface TemplateEvent {
  items: number;
  workers: number;
  cost: number;
  strategy: 'pool' | 'batch' | 'warm';
}

export interface TemplateResult {
  processingMs: number;
  threadStartupMs: number;
  threads: 'fresh' | 'reused' | 'mixed';
  availableParallelism: number;
  memoryMB: number;
}

/**
 * Deploys the packaged template once per memory size (function name `<prefix>-<memory>`); a second
 * prefix gives a second function, with execution environments of its own, at the same sizes.
 */
export async function deployTemplate(client: LambdaClient, memorySizes: number[], prefix = 'cpu'): Promise<void> {
  const pkg = await packageFunction(templateDir);
  for (const memory of memorySizes) {
    await createActiveFunction(client, { FunctionName: `${prefix}-${memory}`, zip: pkg.zip, MemorySize: memory, Timeout: 300 });
  }
}

export async function invokeTemplate(client: LambdaClient, memory: number, event: TemplateEvent, prefix = 'cpu'): Promise<TemplateResult> {
  const response = await client.send(new InvokeCommand({ FunctionName: `${prefix}-${memory}`, Payload: JSON.stringify(event) }));
  const body = decodePayload(response.Payload) as TemplateResult & { error?: string };
  if (response.FunctionError || body.error || typeof body.processingMs !== 'number') {
    throw new Error(`template invocation failed at ${memory} MB: ${JSON.stringify(body)}`);
  }
  return body;
}

/** One warm-up invocation (cold start excluded), then the median processingMs of `repetitions`. */
export async function medianProcessingMs(client: LambdaClient, memory: number, event: TemplateEvent, repetitions: number): Promise<number> {
  await invokeTemplate(client, memory, event);
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) times.push((await invokeTemplate(client, memory, event)).processingMs);
  return median(times);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
