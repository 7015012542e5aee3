// The one in-process built-in Lambda endpoint of this VS Code window: started when a command
// needs the Local target, shared by Deploy, Run Sweep and Clean Up, stopped on deactivate.
// Functions deployed to it are kept in the per-user store, so a window reload finds them again;
// when another window's endpoint holds that store, this one keeps its functions in memory.
import * as vscode from 'vscode';
import type { LocalEndpointHandle } from '../localEndpoint';
import { outputLog } from '../outputLog';

export class LocalEndpointService implements vscode.Disposable {
  private handle: LocalEndpointHandle | undefined;
  private starting: Promise<LocalEndpointHandle> | undefined;
  private readonly changed = new vscode.EventEmitter<LocalEndpointHandle | undefined>();
  /** Fires when the endpoint starts or stops. */
  readonly onDidChange = this.changed.event;

  get running(): LocalEndpointHandle | undefined {
    return this.handle;
  }

  /** The running endpoint, starting it on first use (concurrent callers share one start). */
  async ensureStarted(): Promise<LocalEndpointHandle> {
    if (this.handle) return this.handle;
    this.starting ??= (async () => {
      const log = outputLog();
      try {
        // Loaded here, not at activation: most windows never start the endpoint.
        const { defaultEndpointStoreDir, startLocalEndpoint, StoreInUseError } = await import('../localEndpoint/index.js');
        const endpointLog = (line: string) => (line.startsWith('warning:') ? log.warn(`[local endpoint] ${line}`) : log.info(`[local endpoint] ${line}`));
        const handle = await startLocalEndpoint({ log: endpointLog, storeDir: defaultEndpointStoreDir() }).catch((error: unknown) => {
          if (!(error instanceof StoreInUseError)) throw error;
          log.warn(`[local endpoint] ${error.message} Functions deployed from this window last until it closes.`);
          return startLocalEndpoint({ log: endpointLog });
        });
        log.info(
          `Built-in Lambda endpoint started at ${handle.endpoint} (CPU limit: ${handle.cpuLimit}${handle.cpuLimit === 'none' ? ' — results are unthrottled' : ''})`,
        );
        this.handle = handle;
        this.changed.fire(handle);
        return handle;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  async stop(): Promise<void> {
    const pending = this.starting;
    if (pending) await pending.catch(() => undefined);
    const handle = this.handle;
    this.handle = undefined;
    if (handle) {
      await handle.stop();
      outputLog().info('Built-in Lambda endpoint stopped');
      this.changed.fire(undefined);
    }
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }
}

let shared: LocalEndpointService | undefined;

/** The window's service; the same instance for every command. */
export function sharedLocalEndpointService(): LocalEndpointService {
  shared ??= new LocalEndpointService();
  return shared;
}

/** For deactivate: stops the endpoint and waits until its processes are gone. */
export async function stopSharedLocalEndpoint(): Promise<void> {
  const service = shared;
  shared = undefined;
  if (service) {
    await service.stop();
    service.dispose();
  }
}
