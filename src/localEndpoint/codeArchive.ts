// Reads a deployment package (zip) safely before anything is written to disk: every entry's name
// must stay inside the code folder, no symlinks or devices, and Lambda's limits on unzipped size.
// The central directory is read here (fflate does not expose file modes); each entry is then
// inflated by fflate into a buffer of exactly its declared size, and its CRC-32 is checked, so a
// lying header cannot make us allocate or write more than the limits allow.
import { inflateSync } from 'fflate';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Lambda's limit on a function's unzipped code: 250 MB. */
export const MAX_UNZIPPED_BYTES = 262_144_000;
export const MAX_ENTRIES = 20_000;

export class CodeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodeArchiveError';
  }
}

export interface ArchiveEntry {
  name: string;
  isDirectory: boolean;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
  /** Unix permission bits when the zip was made on Unix, else null. */
  unixMode: number | null;
}

export interface ArchiveLimits {
  maxUnzippedBytes?: number;
  maxEntries?: number;
}

/** Lists and validates the entries of a zip without inflating anything. Throws CodeArchiveError. */
export function readArchiveEntries(zip: Uint8Array, limits: ArchiveLimits = {}): ArchiveEntry[] {
  const maxBytes = limits.maxUnzippedBytes ?? MAX_UNZIPPED_BYTES;
  const maxEntries = limits.maxEntries ?? MAX_ENTRIES;
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = findEndOfCentralDirectory(zip, view);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    throw new CodeArchiveError('Zip64 archives are not supported; a Lambda deployment package is at most 250 MB unzipped and fits a plain zip.');
  }
  if (count > maxEntries) throw new CodeArchiveError(`The zip has ${count} entries; at most ${maxEntries} are accepted.`);
  if (cdOffset + cdSize > eocd) throw new CodeArchiveError('Could not unzip uploaded file: the central directory lies outside the file.');
  const entries: ArchiveEntry[] = [];
  let total = 0;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || view.getUint32(p, true) !== 0x02014b50)
      throw new CodeArchiveError('Could not unzip uploaded file: a central directory entry is malformed.');
    const madeByOs = view.getUint8(p + 5);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc32 = view.getUint32(p + 16, true);
    const compressedSize = view.getUint32(p + 20, true);
    const uncompressedSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const externalAttrs = view.getUint32(p + 38, true);
    const localHeaderOffset = view.getUint32(p + 42, true);
    const rawName = zip.subarray(p + 46, p + 46 + nameLength);
    const name = new TextDecoder((flags & 0x800) !== 0 ? 'utf-8' : 'latin1').decode(rawName);
    p += 46 + nameLength + extraLength + commentLength;

    checkEntryName(name);
    if ((flags & 0x1) !== 0) throw new CodeArchiveError(`Entry "${name}" is encrypted; encrypted zips are not supported.`);
    const isDirectory = name.endsWith('/');
    const unixMode = madeByOs === 3 ? (externalAttrs >>> 16) & 0xffff : null;
    if (unixMode !== null && unixMode !== 0) {
      const type = unixMode & 0o170000;
      if (type === 0o120000) throw new CodeArchiveError(`Entry "${name}" is a symbolic link; symlinks are not accepted in the deployment package.`);
      if (type !== 0 && type !== 0o100000 && type !== 0o040000) throw new CodeArchiveError(`Entry "${name}" is not a regular file or folder.`);
    }
    if (!isDirectory && method !== 0 && method !== 8)
      throw new CodeArchiveError(`Entry "${name}" uses compression method ${method}; only stored (0) and deflate (8) are supported.`);
    total += uncompressedSize;
    if (total > maxBytes) throw new CodeArchiveError(`Unzipped size must be smaller than ${maxBytes} bytes`);
    entries.push({ name, isDirectory, method, compressedSize, uncompressedSize, crc32, localHeaderOffset, unixMode: unixMode || null });
  }
  checkFileFolderClashes(entries);
  return entries;
}

/** A name cannot be both a file and a folder (e.g. "a" and "a/b"): no file system could unpack it. */
function checkFileFolderClashes(entries: ArchiveEntry[]): void {
  const segmentsOf = (name: string) => name.split(/[\\/]/).filter((segment) => segment !== '' && segment !== '.');
  const files = new Map<string, string>();
  for (const entry of entries) if (!entry.isDirectory) files.set(segmentsOf(entry.name).join('/'), entry.name);
  for (const entry of entries) {
    const segments = segmentsOf(entry.name);
    const ancestors = entry.isDirectory ? segments.length : segments.length - 1;
    for (let depth = 1; depth <= ancestors; depth++) {
      const file = files.get(segments.slice(0, depth).join('/'));
      if (file !== undefined) {
        throw new CodeArchiveError(
          `The zip has a file "${file}" and also a folder of that name ("${entry.name}"); a deployment package cannot hold both. Rename one of them and package again.`,
        );
      }
    }
  }
}

/** Rejects names that could escape the target folder: absolute paths, drive letters, "..", NUL. */
export function checkEntryName(name: string): void {
  if (name.length === 0) throw new CodeArchiveError('The zip has an entry with an empty name.');
  if (name.includes('\0')) throw new CodeArchiveError('The zip has an entry name containing a NUL byte.');
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    throw new CodeArchiveError(`Entry "${name}" has an absolute path; entries must be relative to the code root.`);
  }
  if (name.split(/[\\/]/).some((segment) => segment === '..')) {
    throw new CodeArchiveError(`Entry "${name}" contains ".."; entries must stay inside the code root.`);
  }
}

/** Validates the zip, then writes its files below `targetDir`. Returns the number of files written. */
export async function extractArchive(zip: Uint8Array, targetDir: string, limits: ArchiveLimits = {}): Promise<number> {
  const entries = readArchiveEntries(zip, limits);
  const root = path.resolve(targetDir);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  await mkdir(root, { recursive: true });
  let files = 0;
  for (const entry of entries) {
    const destination = path.resolve(root, ...entry.name.split(/[\\/]/).filter(Boolean));
    if (destination !== root && !destination.startsWith(root + path.sep))
      throw new CodeArchiveError(`Entry "${entry.name}" would be written outside the code root.`);
    if (entry.isDirectory) {
      await mkdir(destination, { recursive: true });
      continue;
    }
    const content = readEntryContent(zip, view, entry);
    await mkdir(path.dirname(destination), { recursive: true });
    const executable = entry.unixMode !== null && (entry.unixMode & 0o111) !== 0;
    await writeFile(destination, content, { mode: executable ? 0o755 : 0o644, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new CodeArchiveError(`The zip contains "${entry.name}" more than once.`);
      if (error.code === 'EISDIR' || error.code === 'ENOTDIR')
        throw new CodeArchiveError(`The zip's entry "${entry.name}" clashes with a folder or file of the same name.`);
      throw error;
    });
    files++;
  }
  return files;
}

function readEntryContent(zip: Uint8Array, view: DataView, entry: ArchiveEntry): Uint8Array {
  const p = entry.localHeaderOffset;
  if (p + 30 > zip.length || view.getUint32(p, true) !== 0x04034b50)
    throw new CodeArchiveError(`Could not unzip uploaded file: the local header of "${entry.name}" is missing.`);
  const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw new CodeArchiveError(`Could not unzip uploaded file: "${entry.name}" is truncated.`);
  const compressed = zip.subarray(start, end);
  let content: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize)
      throw new CodeArchiveError(`Could not unzip uploaded file: stored entry "${entry.name}" has inconsistent sizes.`);
    content = compressed;
  } else {
    try {
      // A fixed output buffer: inflating cannot grow beyond the declared (and limit-checked) size.
      content = inflateSync(compressed, { out: new Uint8Array(entry.uncompressedSize) });
    } catch (error) {
      throw new CodeArchiveError(`Could not unzip uploaded file: "${entry.name}" is corrupt (${error instanceof Error ? error.message : String(error)}).`);
    }
  }
  if (content.length !== entry.uncompressedSize || crc32(content) !== entry.crc32) {
    throw new CodeArchiveError(`Could not unzip uploaded file: "${entry.name}" does not match its declared size or checksum.`);
  }
  return content;
}

function findEndOfCentralDirectory(zip: Uint8Array, view: DataView): number {
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let p = zip.length - 22; p >= lowest; p--) {
    if (view.getUint32(p, true) === 0x06054b50) return p;
  }
  throw new CodeArchiveError('Could not unzip uploaded file. Please check your file, then try to upload again.');
}

let crcTable: Uint32Array | undefined;
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
