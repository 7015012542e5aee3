// The built-in endpoint in a process of its own, for measures of the client side alone (the engine
// overhead): the measuring process's CPU time and profile then hold only the SDK and the engine,
// not the endpoint's HTTP server, routing and environment pool. Started with fork(); it sends the
// handle's connection details once listening, and stops (environments, cgroups, temp files) when
// told to or when its parent goes away.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startLocalEndpoint } from '../src/localEndpoint';
import { onCleanup } from './common';

export interface ChildEndpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  pid: number;
  /** CPU seconds the endpoint process has used so far (user + system, from /proc; null off Linux). */
  cpuSeconds(): number | null;
}

interface Ready {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Starts the endpoint (no CPU limit) in a child process; stopped by the bench's cleanup. */
export async function startChildEndpoint(stateTransitionMs: number): Promise<ChildEndpoint> {
  // Not the parent's --cpu-prof (or other profiling flags): its profile is the parent's alone.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof') && !arg.startsWith('--heap-prof') && !arg.startsWith('--prof'));
  const child = fork(__filename, [String(stateTransitionMs)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`the endpoint process ended (exit code ${code}) before it was listening`)));
  });
  const ticks = 100; // USER_HZ on Linux
  const pid = child.pid!;
  return {
    ...ready,
    pid,
    cpuSeconds: () => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / ticks;
      } catch {
        return null;
      }
    },
  };
}

async function childMain(): Promise<void> {
  const stateTransitionMs = Number(process.argv[2] ?? '20');
  const handle = await startLocalEndpoint({ cpuLimit: 'none', stateTransitionMs });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void handle.stop().finally(() => process.exit(0));
  };
  process.on('message', (message) => {
    if (message === 'stop') stop();
  });
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  const { endpoint, region, accessKeyId, secretAccessKey } = handle;
  process.send!({ endpoint, region, accessKeyId, secretAccessKey } satisfies Ready);
}

if (require.main === module && path.basename(__filename).startsWith('endpointProcess')) {
  childMain().catch((error: unknown) => {
    process.stderr.write(`endpoint process: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
