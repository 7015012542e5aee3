// The payloads of a sweep of your own function: read from files (`--payload a.json,b.json:3`) or
// typed (`--payload-json '<json>'`), named, checked, and found again on resume. Run files keep
// only what summarizePayload gives (digest, size, type, top-level keys, workspace-relative path),
// never a payload's values; resume reads the payloads again and checks their SHA-256.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../core/experimentValidation';
import { checkThreadsField, parsePayloadItem, parsePayloadText, payloadDigest, type SweepPayload, type ThreadDimension } from '../core/ownFunction';
import type { OwnFunctionRun } from '../core/runFiles';

/** Where one payload comes from. */
export type PayloadSource = { kind: 'file'; file: string; weight: number } | { kind: 'json'; text: string; weight: number };

/** The `--payload` values (each a comma list of file.json or file.json:<weight>) and `--payload-json` values, in that order. */
export function payloadSourcesFromFlags(files: readonly string[], typed: readonly string[]): PayloadSource[] {
  const sources: PayloadSource[] = [];
  for (const value of files) {
    for (const item of value.split(',')) {
      const { file, weight } = parsePayloadItem(item, (f) => fs.existsSync(f));
      sources.push({ kind: 'file', file, weight });
    }
  }
  for (const text of typed) sources.push({ kind: 'json', text, weight: 1 });
  return sources;
}

/** The name a file payload gets: its path relative to the workspace (the CLI's working folder), with forward slashes. */
export function payloadNameOf(file: string, workspaceDir: string): string {
  const relative = path.relative(workspaceDir, path.resolve(workspaceDir, file));
  return (relative === '' ? path.basename(file) : relative).split(path.sep).join('/');
}

/**
 * Reads and parses every payload; each problem names its payload. Files are resolved against
 * `workspaceDir`. The same file twice, or the same JSON typed twice, is refused (use a weight).
 */
export function loadPayloads(sources: readonly PayloadSource[], workspaceDir: string): SweepPayload[] {
  const payloads: SweepPayload[] = [];
  let typedCount = 0;
  for (const source of sources) {
    if (source.kind === 'file') {
      const absolute = path.resolve(workspaceDir, source.file);
      const name = payloadNameOf(source.file, workspaceDir);
      let text: string;
      try {
        text = fs.readFileSync(absolute, 'utf8');
      } catch (error) {
        throw new ValidationError(
          'payload',
          source.file,
          'a readable file',
          `--payload ${source.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
        );
      }
      payloads.push({ name, file: name, value: parsePayloadText(text, source.file), weight: source.weight });
    } else {
      const name = `json#${++typedCount}`;
      payloads.push({ name, file: null, value: parsePayloadText(source.text, `${name} (--payload-json)`), weight: source.weight });
    }
  }
  const seen = new Map<string, string>();
  for (const payload of payloads) {
    const digest = payloadDigest(payload.value).sha256;
    const twin = seen.get(payload.name) !== undefined ? payload.name : seen.get(digest);
    if (twin !== undefined) {
      throw new ValidationError(
        'payload',
        payload.name,
        'different payloads',
        `The payload ${payload.name} is given twice${twin !== payload.name ? ` (the same JSON as ${twin})` : ''}; give it once, with a weight to send it more often (e.g. --payload ${payload.file ?? 'file.json'}:2).`,
      );
    }
    seen.set(payload.name, payload.name);
    seen.set(digest, payload.name);
  }
  return payloads;
}

/** The thread field must exist in every payload: the message names the one that lacks it. */
export function checkThreadsFieldInAll(payloads: readonly SweepPayload[], fieldPath: string): void {
  for (const payload of payloads) checkThreadsField(payload.value, fieldPath, payload.name);
}

/**
 * The payloads of an own-function run being resumed, checked against run.json by SHA-256: each is
 * one given again (`--payload`, `--payload-json`), else its recorded file read again from
 * `workspaceDir`. A run from before payloads were summarized carries its payload in run.json.
 * Refuses, naming each payload, when one is missing, changed or cannot be read.
 */
export function payloadsForResume(
  run: OwnFunctionRun,
  given: readonly SweepPayload[],
  workspaceDir: string,
): { payloads: SweepPayload[]; threads: ThreadDimension; nameRecords: boolean } {
  if (!run.payloads) {
    if (given.length > 0)
      throw new ValidationError('payload', given[0].name, 'none', 'This run kept its payload in run.json (an older version): resume it without --payload.');
    return { payloads: [{ name: run.payloadFile ?? 'payload', file: null, value: run.payload, weight: 1 }], threads: run.threads, nameRecords: false };
  }
  const problems: string[] = [];
  const used = new Set<SweepPayload>();
  const payloads: SweepPayload[] = [];
  for (const summary of run.payloads) {
    const match = given.find((g) => payloadDigest(g.value).sha256 === summary.sha256);
    if (match) {
      used.add(match);
      payloads.push({ name: summary.name, file: summary.file, value: match.value, weight: summary.weight });
      continue;
    }
    if (summary.file === null) {
      problems.push(`${summary.name} was typed (--payload-json) and run.json keeps no payload values: give it again with --payload-json '<the same JSON>'`);
      continue;
    }
    const absolute = path.resolve(workspaceDir, summary.file);
    let value: unknown;
    try {
      value = parsePayloadText(fs.readFileSync(absolute, 'utf8'), summary.file);
    } catch (error) {
      const why = error instanceof ValidationError ? error.message : ((error as NodeJS.ErrnoException).code ?? String(error));
      problems.push(`${summary.name} cannot be read from ${absolute} (${why}); run from the folder the sweep started in, or give it with --payload <file>`);
      continue;
    }
    const now = payloadDigest(value).sha256;
    if (now !== summary.sha256) {
      problems.push(`${summary.name} changed since the run started (SHA-256 was ${summary.sha256.slice(0, 16)}…, now ${now.slice(0, 16)}…)`);
      continue;
    }
    payloads.push({ name: summary.name, file: summary.file, value, weight: summary.weight });
  }
  for (const g of given) {
    if (!used.has(g)) problems.push(`${g.name} is not one of this run's payloads (${run.payloads.map((p) => p.name).join(', ')})`);
  }
  if (problems.length > 0) {
    throw new ValidationError(
      'payload',
      undefined,
      "the run's payloads",
      `Cannot resume this sweep of ${run.original.functionName}: ${problems.join('; ')}. Its remaining invocations must send the same payloads as the recorded ones; otherwise start a new sweep.`,
    );
  }
  return { payloads, threads: run.threads, nameRecords: true };
}
