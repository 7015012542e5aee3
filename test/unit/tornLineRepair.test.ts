// Property test of the repair a resumed run makes to invocations.jsonl: whatever bytes a crash left
// (valid records, garbage lines of invalid UTF-8, NULs or partial JSON, and a torn last line cut at
// any byte, even inside a multi-byte character, possibly padded with NULs), resuming and appending
// loses no valid record, glues no new record onto a fragment, and keeps no byte of the torn tail.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INVOCATIONS_FILE, RUN_FILE, RUN_FORMAT_VERSION, type RunMetadata } from '../../src/core/runFiles';
import type { InvocationRecord } from '../../src/core/invocationRecord';
import { createSeededRandom } from '../../src/core/seededRandom';
import { RunStore } from '../../src/sweep/runStore';

const CASES = 400;
const SEED = 20261201;
const created: string[] = [];
after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

const meta: RunMetadata = {
  formatVersion: RUN_FORMAT_VERSION,
  runId: 'prop',
  experimentId: 'prop',
  target: { kind: 'local' },
  region: 'us-east-1',
  plan: {
    functions: [{ functionName: 'f', arch: 'x86_64', memoryMB: 512 }],
    threadCounts: [1],
    strategies: ['pool'],
    repetitions: 999,
    seed: 1,
    items: 4,
    cost: 6,
    concurrency: 1,
    plannedInvocations: 1000,
  },
  seed: 1,
  adaptive: null,
  maxCostUsd: null,
  templateHash: null,
  extensionVersion: '0.0.0',
  cpuLimit: 'none',
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  status: 'running',
  statusReason: null,
  estimatedCostUsd: null,
  costSoFarUsd: 0,
  configStops: [],
};

/** Multi-byte text in the record, so a torn cut can fall inside a character. */
const CPU_NAMES = ['Intel® Xeon®', 'Graviton ☁', 'ünïcødé 🚀', 'plain'];

function record(rep: number, random: () => number): InvocationRecord {
  return {
    runId: 'prop',
    functionName: 'f',
    arch: 'x86_64',
    memoryMB: 512,
    threads: 1,
    strategy: 'pool',
    rep,
    warmup: false,
    coldStart: false,
    processingMs: Math.round(random() * 1e5) / 100,
    durationMs: 110,
    billedMs: 111,
    initMs: null,
    maxMemoryMB: 60,
    cores: 2,
    cpuModel: CPU_NAMES[Math.floor(random() * CPU_NAMES.length)],
    error: random() < 0.2 ? 'Function error: x' : null,
    retries: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
  };
}

function randomBytes(random: () => number, length: number, allowNewline = false): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const byte = Math.floor(random() * 256);
    out.push(!allowNewline && byte === 0x0a ? 0x00 : byte);
  }
  return out;
}

/** A complete line that is not a record: invalid UTF-8, NULs, partial JSON, or JSON of the wrong shape. */
function garbageLine(random: () => number): Buffer {
  const kind = Math.floor(random() * 5);
  const partial = Buffer.from(JSON.stringify(record(0, random)));
  switch (kind) {
    case 0:
      return Buffer.from([0xff, 0xfe, ...randomBytes(random, 1 + Math.floor(random() * 40)), 0xc3]);
    case 1:
      return Buffer.alloc(1 + Math.floor(random() * 64), 0);
    case 2:
      return partial.subarray(0, Math.floor(random() * partial.length));
    case 3:
      return Buffer.concat([partial.subarray(0, 10), Buffer.from([0x00, 0xe2, 0x82]), partial.subarray(10)]);
    default:
      return Buffer.from('{"runId":"prop","not":"a record"}');
  }
}

test(`torn-line repair keeps every valid record and no torn byte, over ${CASES} seeded random files (seed ${SEED})`, () => {
  const random = createSeededRandom(SEED);
  let validRecords = 0;
  let garbageLines = 0;
  let tornTails = 0;
  let appended = 0;
  for (let c = 0; c < CASES; c++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llab-torn-'));
    created.push(dir);
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify(meta));
    const parts: Buffer[] = [];
    const expected: InvocationRecord[] = [];
    let rep = 1;
    const lines = Math.floor(random() * 12);
    for (let i = 0; i < lines; i++) {
      if (random() < 0.6) {
        const r = record(rep++, random);
        expected.push(r);
        parts.push(Buffer.from(`${JSON.stringify(r)}\n`));
      } else {
        garbageLines++;
        parts.push(Buffer.concat([garbageLine(random), Buffer.from('\n')]));
      }
    }
    const completePart = Buffer.concat(parts);
    // The torn tail: nothing, a record cut at any byte (possibly inside a character), NUL padding, or both.
    let tail = Buffer.alloc(0);
    let tailIsWholeRecord = false;
    const tailKind = Math.floor(random() * 4);
    if (tailKind > 0) {
      const torn = record(rep, random);
      const full = Buffer.from(JSON.stringify(torn));
      const cut = Math.floor(random() * (full.length + 1));
      const pieces = [];
      if (tailKind !== 2) pieces.push(full.subarray(0, cut));
      if (tailKind >= 2) pieces.push(Buffer.alloc(1 + Math.floor(random() * 4096), 0));
      tail = Buffer.concat(pieces);
      tailIsWholeRecord = tailKind === 1 && cut === full.length;
      if (tailIsWholeRecord) {
        // A last record written without its newline is whole: it is kept, and gets its newline.
        expected.push(torn);
        rep++;
      } else if (tail.length > 0) {
        tornTails++;
      }
    }
    const file = path.join(dir, INVOCATIONS_FILE);
    fs.writeFileSync(file, Buffer.concat([completePart, tail]));
    validRecords += expected.length;

    const store = RunStore.open(dir);
    const added = [record(rep, random), record(rep + 1, random)];
    for (const r of added) store.append(r);
    store.close();
    appended += added.length;

    const after = fs.readFileSync(file);
    const keptPrefix = tailIsWholeRecord ? Buffer.concat([completePart, tail, Buffer.from('\n')]) : completePart;
    const appendedBytes = Buffer.from(added.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const context = `case ${c}: ${lines} lines, tail kind ${tailKind} (${tail.length} bytes)`;
    // Exactly the complete lines as they were, then the new records, each on its own line.
    assert.ok(after.equals(Buffer.concat([keptPrefix, appendedBytes])), `${context}: file after repair and append differs`);
    assert.equal(after.subarray(completePart.length).indexOf(0), -1, `${context}: a NUL of the torn tail was kept`);
    const reread = RunStore.open(dir, { readOnly: true });
    assert.deepEqual([...reread.invocations], [...expected, ...added], context);
  }
  process.stdout.write(
    `torn-line property test: ${CASES} cases (seed ${SEED}), ${validRecords} valid records kept, ${garbageLines} garbage lines skipped, ${tornTails} torn tails cut, ${appended} records appended and read back\n`,
  );
});
