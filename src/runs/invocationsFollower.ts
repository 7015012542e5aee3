// Follows a run's invocations.jsonl as the sweep appends to it: each refresh reads only the bytes
// written since the last one and parses only those lines (see InvocationsFileParse), so the results
// view of a live sweep of 100,000 invocations re-reads a few kilobytes, not 40 MB. It keeps the byte
// offset of the whole lines parsed so far; the text after the last newline (a line still being
// written, or torn) is read again each time and judged as the file's last line without being
// remembered, so it counts once its newline arrives. A file that was replaced (another inode),
// cut short, or rewritten under the parsed part (its last parsed bytes differ) is read again from
// its start. Also the first, full read: in chunks, each decoded on its own (as Latin-1 when it is
// all ASCII, which is the same text and cheaper), never the whole file as one string.
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InvocationsFileParse, type PreparsedInvocations } from '../core/analysis/analysisInput';

const CHUNK_BYTES = 8 * 1024 * 1024;
/** How many of the last parsed bytes are compared on each refresh to notice a rewrite. */
const FINGERPRINT_BYTES = 64;
const NEWLINE = 0x0a;

/** The text of whole lines or a tail: as readFileSync(path, 'utf8') would decode it (invalid UTF-8 becomes U+FFFD). */
function decode(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

export class InvocationsFollower {
  private parse: InvocationsFileParse;
  private identity: string | undefined;
  /** Bytes of whole lines parsed so far. */
  private offset = 0;
  /** The last bytes before `offset`, as they were when parsed. */
  private fingerprint: Buffer = Buffer.alloc(0);
  /** The text after the last newline (not yet a whole line). */
  private tail = '';
  /** How often the file was read from its start: the first read, then after it was replaced, cut or rewritten. */
  fullReads = 0;
  /** Bytes read by the last refresh. */
  lastReadBytes = 0;

  constructor(
    readonly path: string,
    /** Bytes read at a time (tests use a few, so lines span reads). */
    private readonly chunkBytes = CHUNK_BYTES,
  ) {
    this.parse = new InvocationsFileParse(path);
  }

  /** Reads what was appended since the last refresh (all of it the first time). Throws as readFileSync does when the file cannot be read. */
  refresh(): void {
    const fd = openSync(this.path, 'r');
    try {
      const stat = fstatSync(fd);
      const identity = `${stat.dev}:${stat.ino}`;
      if (identity !== this.identity || stat.size < this.offset || !this.fingerprintMatches(fd)) {
        this.identity = identity;
        this.parse = new InvocationsFileParse(this.path);
        this.offset = 0;
        this.fingerprint = Buffer.alloc(0);
        this.fullReads++;
      }
      this.readFrom(fd, stat.size);
    } finally {
      closeSync(fd);
    }
  }

  /** What analysis reads: the whole lines parsed so far, then the tail as the file's last line. */
  result(): PreparsedInvocations {
    return this.parse.result(this.tail);
  }

  /** Whole lines parsed so far. */
  get lineCount(): number {
    return this.parse.lineCount;
  }

  private fingerprintMatches(fd: number): boolean {
    const length = this.fingerprint.length;
    if (length === 0) return true;
    const now = Buffer.alloc(length);
    return readSync(fd, now, 0, length, this.offset - length) === length && now.equals(this.fingerprint);
  }

  private readFrom(fd: number, size: number): void {
    let position = this.offset;
    let carry: Buffer | null = null;
    this.lastReadBytes = 0;
    while (position < size) {
      // The part-line left from the previous chunk goes first, then the next chunk is read after it
      // (copying the short carry, not the chunk).
      const carried = carry?.length ?? 0;
      const bytes = Buffer.allocUnsafe(carried + Math.min(this.chunkBytes, size - position));
      if (carry) carry.copy(bytes, 0);
      const read = readSync(fd, bytes, carried, bytes.length - carried, position);
      if (read === 0) break; // cut short while being read: the next refresh notices
      position += read;
      this.lastReadBytes += read;
      const filled = bytes.subarray(0, carried + read);
      const lastNewline = filled.lastIndexOf(NEWLINE);
      if (lastNewline === -1) {
        carry = filled;
        continue;
      }
      const lines = filled.subarray(0, lastNewline + 1);
      this.parse.pushLines(decode(lines));
      this.offset += lines.length;
      this.fingerprint = Buffer.from(lines.subarray(Math.max(0, lines.length - FINGERPRINT_BYTES)));
      carry = lastNewline + 1 < filled.length ? filled.subarray(lastNewline + 1) : null;
    }
    this.tail = carry ? decode(carry) : '';
  }
}
