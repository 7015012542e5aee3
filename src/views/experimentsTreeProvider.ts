// The Lambda Lab view's tree: experiments on the current target → their functions (memory,
// architecture, state) and their runs (date, status, invocations done/planned, cost). Functions are
// listed from the target when the view is shown or refreshed (for Local this starts the built-in
// endpoint); runs are re-read when their folders change; a sweep running in this window shows its
// progress on its run's node. Only what changed is redrawn (see reload).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatUsd } from '../core/costEstimate';
import { readTargetChoice } from '../target/targetSettings';
import { sharedLocalEndpointService } from '../target/localEndpointService';
import { onExperimentsChanged } from './experimentsChanged';
import {
  joinExperiments,
  listDeployedFunctions,
  readRuns,
  type InvocationCounts,
  type CopyTags,
  redrawBetween,
  sameFunctionListing,
  type ExperimentFunctionInfo,
  type ExperimentInfo,
  type RunInfo,
} from './experimentsModel';
import { outputLog } from '../outputLog';
import { sweepProgress } from './sweepProgress';

export const EXPERIMENTS_VIEW_ID = 'lambdaLab.experiments';

export type ExperimentTreeNode =
  | { kind: 'experiment'; experiment: ExperimentInfo; targetBills: boolean }
  | { kind: 'functions'; experiment: ExperimentInfo }
  | { kind: 'runs'; experiment: ExperimentInfo; targetBills: boolean }
  | { kind: 'function'; fn: ExperimentFunctionInfo }
  | { kind: 'run'; run: RunInfo; targetBills: boolean }
  | { kind: 'message'; text: string; detail: string; command?: vscode.Command };

type FunctionListing = { byExperiment: Map<string, ExperimentFunctionInfo[]>; targetBills: boolean } | { error: string };

/** What the tree shows: the target's functions (as last listed) and the workspace's runs (as last read). */
interface TreeContent {
  listing: FunctionListing;
  runs: RunInfo[];
}

/**
 * Run folders change many times a second while a sweep writes. The first change schedules a read this
 * long after it and later changes ride along, so a sweep that never pauses still shows up (a delay
 * restarted by every write would wait for its end); the delay grows with the time a read takes.
 */
const RUNS_READ_DELAY_MS = 300;

export class ExperimentsTreeProvider implements vscode.TreeDataProvider<ExperimentTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExperimentTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Undefined until the view first asks (functions are listed from the target only once it is shown). */
  private content: TreeContent | undefined;
  private firstLoad: Promise<void> | undefined;
  /** Loads and reloads, one after the other, so an older listing never replaces a newer one. */
  private updates: Promise<void> = Promise.resolve();
  private runsReadTimer: NodeJS.Timeout | undefined;
  private runsReadDelayMs = RUNS_READ_DELAY_MS;
  /** Invocations counted per run, reused while a run's file is unchanged (see readRuns). */
  private readonly invocationCounts: InvocationCounts = new Map();
  /** Each experiment's copy-of tag as last read (see listDeployedFunctions). */
  private readonly copyTags: CopyTags = new Map();
  /**
   * One node object per row id, kept and updated in place: VS Code maps each row it shows to the
   * object getChildren returned, and a change event for an object it does not know redraws nothing.
   */
  private readonly nodes = new Map<string, ExperimentTreeNode>();

  constructor(private readonly runsDir: () => string | undefined) {
    const runsDirNow = runsDir();
    if (runsDirNow) {
      // Watched from the workspace folder: the runs folder itself may not exist until the first sweep.
      const base = path.dirname(path.dirname(runsDirNow));
      const relative = path.relative(base, runsDirNow).split(path.sep).join('/');
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(base), `${relative}/**`));
      // Runs changed on disk: re-read the runs, keep the functions listed from the target.
      const runsChanged = () => this.rereadRunsSoon();
      this.disposables.push(watcher, watcher.onDidCreate(runsChanged), watcher.onDidDelete(runsChanged), watcher.onDidChange(runsChanged));
    }
    this.disposables.push(
      { dispose: () => clearTimeout(this.runsReadTimer) },
      onExperimentsChanged(() => this.refresh()),
      sharedLocalEndpointService().onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration('lambdaLab') && this.refresh()),
      sweepProgress.onDidChange((runDir) => {
        // Only that run's row changes; when the sweep ends its run.json is read again.
        const node = this.nodes.get(`run:${runDir}`);
        if (node) this.changed.fire(node);
        if (!sweepProgress.get(runDir)) this.rereadRunsSoon();
      }),
    );
  }

  /** Lists the target's functions again, re-reads the runs, and redraws what changed. */
  refresh(): void {
    if (this.firstLoad) void this.update(() => this.reload(true));
  }

  private rereadRunsSoon(): void {
    if (!this.firstLoad || this.runsReadTimer) return;
    this.runsReadTimer = setTimeout(() => {
      this.runsReadTimer = undefined;
      void this.update(() => this.reload(false));
    }, this.runsReadDelayMs);
  }

  private update(step: () => Promise<void>): Promise<void> {
    this.updates = this.updates.then(step).catch((error: unknown) => {
      outputLog().warn(`Lambda Lab view: could not update: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.updates;
  }

  /**
   * Reads the content again and fires a change only for what differs (see redrawBetween): the whole
   * tree only when experiments came or went, the target changed or its listing failed or recovered.
   * A whole-tree redraw makes VS Code forget every row until the root is listed again, so a context
   * menu or inline action clicked meanwhile would reach no node.
   */
  private async reload(relist: boolean): Promise<void> {
    const shown = this.content;
    if (!shown) return;
    const listing = relist ? await this.listFunctions() : shown.listing;
    const runs = this.readRunsNow();
    this.content = { listing, runs };
    if ('error' in shown.listing || 'error' in listing || shown.listing.targetBills !== listing.targetBills) {
      if (!sameListing(shown.listing, listing)) this.changed.fire(undefined);
      return;
    }
    const experiments = joinExperiments(listing.byExperiment, runs);
    this.keepNodesOf(experiments);
    const redraw = redrawBetween(joinExperiments(shown.listing.byExperiment, shown.runs), experiments);
    if (redraw.whole) return this.changed.fire(undefined);
    for (const experiment of redraw.experiments) {
      const node = this.nodes.get(`experiment:${experiment.experimentId}`);
      if (node?.kind !== 'experiment') continue;
      node.experiment = experiment;
      this.changed.fire(node);
    }
    for (const run of redraw.runs) {
      const node = this.nodes.get(`run:${run.runDir}`);
      if (node?.kind !== 'run') continue;
      node.run = run;
      this.changed.fire(node);
    }
  }

  /** Forgets the nodes of rows that are gone; the others point at what they show now. */
  private keepNodesOf(experiments: readonly ExperimentInfo[]): void {
    const present = new Set<string>();
    for (const experiment of experiments) {
      const { experimentId } = experiment;
      for (const id of [`experiment:${experimentId}`, `functions:${experimentId}`, `runs:${experimentId}`]) {
        present.add(id);
        const node = this.nodes.get(id);
        if (node && 'experiment' in node) node.experiment = experiment;
      }
      for (const fn of experiment.functions) present.add(`function:${fn.functionName}`);
      for (const run of experiment.runs) present.add(`run:${run.runDir}`);
    }
    for (const id of this.nodes.keys()) if (!present.has(id)) this.nodes.delete(id);
  }

  /** The node kept for `id`, updated in place with what it shows now (see `nodes`). */
  private nodeFor<N extends ExperimentTreeNode>(id: string, now: N): N {
    const kept = this.nodes.get(id);
    if (!kept || kept.kind !== now.kind) {
      this.nodes.set(id, now);
      return now;
    }
    return Object.assign(kept, now) as N;
  }

  private readRunsNow(): RunInfo[] {
    const runsDir = this.runsDir();
    if (!runsDir) return [];
    const started = Date.now();
    const runs = readRuns(runsDir, this.invocationCounts);
    // A slow read (a large run being written) spaces the next ones out, so the view never hogs the host.
    this.runsReadDelayMs = Math.max(RUNS_READ_DELAY_MS, 2 * (Date.now() - started));
    return runs;
  }

  async getChildren(node?: ExperimentTreeNode): Promise<ExperimentTreeNode[]> {
    if (!node) return this.rootNodes();
    switch (node.kind) {
      case 'experiment': {
        const { experimentId } = node.experiment;
        return [
          this.nodeFor(`functions:${experimentId}`, { kind: 'functions', experiment: node.experiment }),
          this.nodeFor(`runs:${experimentId}`, { kind: 'runs', experiment: node.experiment, targetBills: node.targetBills }),
        ];
      }
      case 'functions':
        return node.experiment.functions.map((fn) => this.nodeFor(`function:${fn.functionName}`, { kind: 'function', fn }));
      case 'runs': {
        // From the runs read last (a run's row may have been updated since its experiment's node was made).
        const runs = this.content?.runs.filter((run) => run.experimentId === node.experiment.experimentId) ?? node.experiment.runs;
        return runs.map((run) => this.nodeFor(`run:${run.runDir}`, { kind: 'run', run, targetBills: node.targetBills }));
      }
      default:
        return [];
    }
  }

  private async rootNodes(): Promise<ExperimentTreeNode[]> {
    this.firstLoad ??= this.update(async () => {
      this.content = { listing: await this.listFunctions(), runs: this.readRunsNow() };
    });
    // Not waiting for a reload under way (listing a busy target can take seconds): until this
    // returns VS Code knows no row, and a menu action clicked meanwhile reaches no node. The rows
    // drawn are the content as last read; a reload that changes it fires again when done.
    await this.firstLoad;
    const { listing, runs } = this.content!;
    if ('error' in listing) {
      return [
        {
          kind: 'message',
          text: 'Could not list the target’s functions',
          detail: listing.error,
          command: { command: 'lambdaLab.selectTarget', title: 'Select Target' },
        },
      ];
    }
    return joinExperiments(listing.byExperiment, runs).map((experiment) =>
      this.nodeFor(`experiment:${experiment.experimentId}`, { kind: 'experiment', experiment, targetBills: listing.targetBills }),
    );
  }

  private async listFunctions(): Promise<FunctionListing> {
    try {
      const choice = readTargetChoice();
      // The SDK and target code load when the view first lists functions, not at activation.
      const [{ resolveConfiguredTarget }, { createLambdaClient }] = await Promise.all([import('../target/commandTarget.js'), import('../aws/lambdaTarget.js')]);
      const resolved = await resolveConfiguredTarget(sharedLocalEndpointService(), choice);
      const client = createLambdaClient(resolved);
      try {
        return { byExperiment: await listDeployedFunctions(client, this.copyTags), targetBills: choice.kind === 'aws' };
      } finally {
        client.destroy();
      }
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  getTreeItem(node: ExperimentTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const { experimentId, functions, runs } = node.experiment;
        const item = new vscode.TreeItem(experimentId, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `experiment:${experimentId}`;
        item.description = `${functions.length} function${functions.length === 1 ? '' : 's'} · ${runs.length} run${runs.length === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        // Copies of the user's own function: the template's Run Sweep and Deploy are not offered (they would send
        // the template's payload to the copies, or overwrite them with the template); Clean Up is.
        const copyOf = functions.find((f) => f.copyOf)?.copyOf;
        if (copyOf) item.description += ` · copies of ${copyOf}`;
        item.contextValue = copyOf ? 'experiment-own' : 'experiment';
        item.accessibilityInformation = { label: `Experiment ${experimentId}, ${item.description}` };
        item.tooltip = `Experiment "${experimentId}": ${functions.map((f) => `${f.memoryMB} MB ${f.arch}${f.threads === undefined ? '' : ` t${f.threads}`}`).join(', ')}`;
        return item;
      }
      case 'functions': {
        const item = new vscode.TreeItem('Functions', vscode.TreeItemCollapsibleState.Expanded);
        item.id = `functions:${node.experiment.experimentId}`;
        item.iconPath = new vscode.ThemeIcon('symbol-function');
        item.contextValue = node.experiment.functions.some((f) => f.copyOf) ? 'functions-own' : 'functions';
        return item;
      }
      case 'runs': {
        const item = new vscode.TreeItem('Runs', vscode.TreeItemCollapsibleState.Expanded); // expanded even when empty: the first run then shows at once
        item.id = `runs:${node.experiment.experimentId}`;
        item.description = node.experiment.runs.length ? undefined : 'none yet: Run Sweep';
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = 'runs';
        return item;
      }
      case 'function': {
        const { fn } = node;
        // A per-thread-count copy of the user's own function (…-t<n>) says its thread count, or two rows would both read "512 MB".
        const threads = fn.threads === undefined ? '' : ` · ${fn.threads} thread${fn.threads === 1 ? '' : 's'}`;
        const item = new vscode.TreeItem(`${fn.memoryMB} MB${threads}`, vscode.TreeItemCollapsibleState.None);
        item.id = `function:${fn.functionName}`;
        item.description = `${fn.arch} · ${fn.state}`;
        item.tooltip = `${fn.functionName}\n${fn.memoryMB} MB${threads ? `, ${fn.threads} threads (environment variable)` : ''}, ${fn.arch}, state ${fn.state}`;
        item.iconPath = new vscode.ThemeIcon(fn.state === 'Failed' ? 'error' : 'symbol-function');
        item.contextValue = fn.copyOf ? 'function-own' : 'function';
        item.accessibilityInformation = { label: `Function ${fn.memoryMB} MB${threads} ${fn.arch}, ${fn.state}` };
        return item;
      }
      case 'run':
        return runTreeItem(node.run, node.targetBills);
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.description = node.detail;
        item.tooltip = `${node.detail}\nClick to choose another target.`;
        item.iconPath = new vscode.ThemeIcon('warning');
        item.command = node.command;
        return item;
      }
    }
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}

function runTreeItem(run: RunInfo, targetBills: boolean): vscode.TreeItem {
  const live = sweepProgress.get(run.runDir);
  const started = new Date(run.startedAt);
  const label = Number.isNaN(started.getTime()) ? run.runId : started.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.runDir}`;
  // On Local (and other endpoints) nothing is billed: the figure is what the run would cost on AWS.
  const cost = run.targetKind === 'aws' || targetBills ? formatUsd(run.costUsd) : `${formatUsd(run.costUsd)} on AWS`;
  if (live) {
    item.description = `running ${live.done}/${live.total}${live.errors ? ` · ${live.errors} errors` : ''}`;
    item.iconPath = new vscode.ThemeIcon('sync~spin');
    item.contextValue = 'run-running';
  } else {
    const unfinished = run.status !== 'completed';
    item.description = `${run.status} · ${run.done}/${run.planned} · ${cost}`;
    item.iconPath = new vscode.ThemeIcon(unfinished ? (run.status === 'running' ? 'sync' : 'debug-pause') : 'pass');
    // A run marked running but not swept in this window may be swept by another process (or was killed): Resume checks its lock.
    item.contextValue = unfinished ? 'run-resumable' : 'run-completed';
    item.command = { command: 'lambdaLab.view.showResults', title: 'Show Results', arguments: [{ kind: 'run', run, targetBills }] };
  }
  item.tooltip = `${run.runId}\n${run.status}, ${run.done} of ${run.planned} invocations, ${cost}\n${run.runDir}`;
  item.accessibilityInformation = { label: `Run ${run.runId}, ${item.description}` };
  return item;
}

function sameListing(a: FunctionListing, b: FunctionListing): boolean {
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error;
  return a.targetBills === b.targetBills && sameFunctionListing(a.byExperiment, b.byExperiment);
}
