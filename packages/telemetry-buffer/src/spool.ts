import { join } from 'node:path';
import type { DropCounter } from './drop-counter.js';
import { TelemetryBufferError } from './errors.js';
import { decodeFrames, encodeFrames, FRAME_OVERHEAD } from './frame.js';
import type { Entries } from './line-queue.js';
import { type SpoolFs, writeAll } from './spool-fs.js';
import type { Logger } from './types.js';

const SEGMENT = /^seg-(\d{16})\.ndjson$/;
const TEMP = /^seg-\d{16}\.ndjson\.tmp$/;
/** The first sequence number in an empty folder: leaves room below it for segments written at drain. */
const FIRST_SEQ = 1_000_000_000_000;

interface Segment {
  seq: number;
  path: string;
  /** Size of the file, framing included. */
  diskBytes: number;
  /** Good lines in it (known from the scan at open, or from what this process wrote). */
  lines: number;
  /** Their bytes as the buffer counts them (line + newline). */
  payloadBytes: number;
  /** Whether torn or corrupt lines were already counted (at open). */
  scanned: boolean;
  /** Lines loaded into memory and not yet delivered or dropped. */
  outstanding: number;
}

/** Lines loaded from one segment. */
export interface LoadedSegment {
  origin: number;
  lines: string[];
  sizes: number[];
}

/** What the scan at open found. */
export interface ScanResult {
  replayed: number;
  corruptSegments: number;
}

interface Settings {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
}

function segmentName(seq: number): string {
  return `seg-${String(seq).padStart(16, '0')}.ndjson`;
}

/**
 * The disk spool: append-only segment files of framed lines, in sequence order. Segments are
 * replayed in order; a segment is deleted only once every line loaded from it was delivered (or
 * dropped and counted). Synchronous fs calls: Lambda's /tmp is a local disk, and the spool is off
 * the hot path while the buffer is under capacity.
 */
export class Spool {
  /** Segments not loaded yet, oldest first; the last may be open for appending. */
  private readonly backlog: Segment[] = [];
  /** Segments loaded into memory with lines still outstanding. */
  private readonly loaded = new Map<number, Segment>();
  private writer: { segment: Segment; fd: number } | undefined;
  private nextSeq = FIRST_SEQ;
  private scan: ScanResult | undefined;
  diskBytes = 0;
  spooled = 0;
  corruptSegments = 0;
  corruptLines = 0;

  constructor(
    private readonly settings: Settings,
    private readonly fs: SpoolFs,
    private readonly drops: DropCounter,
    private readonly logger: Logger,
  ) {}

  get opened(): boolean {
    return this.scan !== undefined;
  }

  get backlogSegments(): number {
    return this.backlog.length;
  }

  get backlogRecords(): number {
    let records = 0;
    for (const segment of this.backlog) records += segment.lines;
    return records;
  }

  get backlogBytes(): number {
    let bytes = 0;
    for (const segment of this.backlog) bytes += segment.payloadBytes;
    return bytes;
  }

  /** The size of the next segment to load, to check the memory bound before loading it. */
  nextSegment(): { lines: number; bytes: number } | undefined {
    const segment = this.backlog[0];
    return segment && { lines: segment.lines, bytes: segment.payloadBytes };
  }

  /** Scans the folder once: finds the segments left by a previous process and counts their lines. */
  open(): ScanResult {
    if (this.scan) return this.scan;
    const { dir } = this.settings;
    let names: string[];
    try {
      this.fs.mkdirSync(dir, { recursive: true });
      names = this.fs.readdirSync(dir);
    } catch (error) {
      throw new TelemetryBufferError('SPOOL_IO', `Cannot open the spool folder ${dir}: ${String(error)}`, {
        cause: error,
      });
    }
    const result = { replayed: 0, corruptSegments: 0 };
    const seqs: number[] = [];
    for (const name of names) {
      const match = SEGMENT.exec(name);
      if (match) seqs.push(Number(match[1]));
      else if (TEMP.test(name)) this.unlink(join(dir, name));
    }
    seqs.sort((a, b) => a - b);
    for (const seq of seqs) {
      const segment = this.scanSegment(seq, result);
      if (segment) this.backlog.push(segment);
    }
    const last = seqs.at(-1);
    if (last !== undefined) this.nextSeq = last + 1;
    this.scan = result;
    if (result.replayed > 0 || result.corruptSegments > 0)
      this.logger.info('spool found', { dir, ...result });
    return result;
  }

  private scanSegment(
    seq: number,
    result: { replayed: number; corruptSegments: number },
  ): Segment | undefined {
    const path = join(this.settings.dir, segmentName(seq));
    let data: Buffer;
    try {
      data = this.fs.readFileSync(path);
    } catch (error) {
      this.logger.error('cannot read spool segment; skipped', { path, error: String(error) });
      result.corruptSegments += 1;
      this.corruptSegments += 1;
      return undefined;
    }
    const decoded = decodeFrames(data);
    if (decoded.corrupt > 0) {
      result.corruptSegments += 1;
      this.corruptSegments += 1;
      this.corruptLines += decoded.corrupt;
      this.drops.add('spool-corrupt', decoded.corrupt, decoded.corruptBytes);
      this.logger.warn('spool segment has torn or corrupt lines; skipped them', {
        path,
        corrupt: decoded.corrupt,
        good: decoded.lines.length,
      });
    }
    if (decoded.lines.length === 0) {
      this.unlink(path);
      return undefined;
    }
    result.replayed += decoded.lines.length;
    this.diskBytes += data.length;
    let payloadBytes = 0;
    for (const size of decoded.sizes) payloadBytes += size;
    return {
      seq,
      path,
      diskBytes: data.length,
      lines: decoded.lines.length,
      payloadBytes,
      scanned: true,
      outstanding: 0,
    };
  }

  /**
   * Appends lines at the tail (overflow). Returns how many were written; the others are counted as
   * dropped (`spool-full` past the cap, `spool-error` when the write fails).
   */
  append(lines: readonly string[], sizes: readonly number[]): number {
    let written = 0;
    let chunk: string[] = [];
    let chunkSizes: number[] = [];
    let chunkBytes = 0;
    const writeChunk = () => {
      if (chunk.length > 0) written += this.writeTail(chunk, chunkSizes, chunkBytes);
      chunk = [];
      chunkSizes = [];
      chunkBytes = 0;
    };
    for (let i = 0; i < lines.length; i++) {
      const size = sizes[i] as number;
      const frame = size + FRAME_OVERHEAD - 1;
      if (this.diskBytes + chunkBytes + frame > this.settings.maxBytes) {
        this.drops.add('spool-full', 1, size);
        continue;
      }
      const writerBytes = this.writer ? this.writer.segment.diskBytes : 0;
      if (chunk.length > 0 && writerBytes + chunkBytes + frame > this.settings.segmentBytes) {
        writeChunk();
        this.closeWriter();
      }
      chunk.push(lines[i] as string);
      chunkSizes.push(size);
      chunkBytes += frame;
    }
    writeChunk();
    return written;
  }

  private writeTail(lines: string[], sizes: number[], frameBytes: number): number {
    let payload = 0;
    for (const size of sizes) payload += size;
    if (this.writer && this.writer.segment.diskBytes + frameBytes > this.settings.segmentBytes)
      this.closeWriter();
    let writer = this.writer;
    try {
      if (!writer) {
        const seq = this.nextSeq++;
        const path = join(this.settings.dir, segmentName(seq));
        const fd = this.fs.openSync(path, 'a');
        const segment: Segment = {
          seq,
          path,
          diskBytes: 0,
          lines: 0,
          payloadBytes: 0,
          scanned: false,
          outstanding: 0,
        };
        writer = { segment, fd };
        this.writer = writer;
        this.backlog.push(segment);
      }
    } catch (error) {
      this.logger.error('cannot create a spool segment', { error: String(error) });
      this.drops.add('spool-error', lines.length, payload);
      return 0;
    }
    const { segment, fd } = writer;
    try {
      writeAll(this.fs, fd, encodeFrames(lines, sizes));
    } catch (error) {
      this.logger.error('spool write failed; lines dropped', { path: segment.path, error: String(error) });
      this.drops.add('spool-error', lines.length, payload);
      try {
        this.fs.ftruncateSync(fd, segment.diskBytes);
      } catch {
        // the torn tail is skipped and counted at load
      }
      this.closeWriter();
      if (segment.lines === 0) this.dropFromBacklog(segment);
      return 0;
    }
    segment.diskBytes += frameBytes;
    segment.lines += lines.length;
    segment.payloadBytes += payload;
    this.diskBytes += frameBytes;
    this.spooled += lines.length;
    return lines.length;
  }

  private dropFromBacklog(segment: Segment): void {
    this.backlog.splice(this.backlog.indexOf(segment), 1);
    this.unlink(segment.path);
  }

  /** Stops appending to the current segment (the next append starts a new one). */
  closeWriter(): void {
    const writer = this.writer;
    if (!writer) return;
    this.writer = undefined;
    try {
      this.fs.closeSync(writer.fd);
    } catch (error) {
      this.logger.warn('closing a spool segment failed', { path: writer.segment.path, error: String(error) });
    }
  }

  /** Loads the oldest backlog segment into memory (call only when {@link nextSegment} is defined). */
  load(): LoadedSegment {
    const segment = this.backlog.shift() as Segment;
    if (this.writer?.segment === segment) this.closeWriter();
    let data: Buffer;
    try {
      data = this.fs.readFileSync(segment.path);
    } catch (error) {
      this.logger.error('cannot read spool segment; its lines are lost', {
        path: segment.path,
        error: String(error),
      });
      this.drops.add('spool-error', segment.lines, segment.payloadBytes);
      this.diskBytes -= segment.diskBytes;
      return { origin: segment.seq, lines: [], sizes: [] };
    }
    const decoded = decodeFrames(data);
    if (!segment.scanned && decoded.corrupt > 0) {
      this.corruptSegments += 1;
      this.corruptLines += decoded.corrupt;
      this.drops.add('spool-corrupt', decoded.corrupt, decoded.corruptBytes);
      this.logger.warn('spool segment has torn or corrupt lines; skipped them', { path: segment.path });
    }
    segment.outstanding = decoded.lines.length;
    if (segment.outstanding === 0) {
      this.unlink(segment.path);
      this.diskBytes -= segment.diskBytes;
    } else this.loaded.set(segment.seq, segment);
    return { origin: segment.seq, lines: decoded.lines, sizes: decoded.sizes };
  }

  /** `count` lines loaded from segment `origin` were delivered or dropped; deletes it when done. */
  release(origin: number, count: number): void {
    const segment = this.loaded.get(origin);
    if (!segment) return;
    segment.outstanding -= count;
    if (segment.outstanding > 0) return;
    this.loaded.delete(origin);
    this.unlink(segment.path);
    this.diskBytes -= segment.diskBytes;
  }

  /**
   * Writes `entries` (everything undelivered in memory, oldest first) as one new segment ahead of
   * the backlog, then deletes the loaded segments (their undelivered lines are among `entries`).
   * Returns how many lines were written; the rest are counted as dropped.
   */
  persist(entries: Entries, headCount = 0): { seq: number; head: number } {
    const none = { seq: 0, head: 0 };
    if (entries.lines.length === 0) return none;
    let loadedBytes = 0;
    for (const segment of this.loaded.values()) loadedBytes += segment.diskBytes;
    const lines: string[] = [];
    const sizes: number[] = [];
    let frameBytes = 0;
    let head = 0;
    for (let i = 0; i < entries.lines.length; i++) {
      const size = entries.sizes[i] as number;
      const frame = size + FRAME_OVERHEAD - 1;
      if (this.diskBytes - loadedBytes + frameBytes + frame > this.settings.maxBytes) {
        this.drops.add('spool-full', 1, size);
        continue;
      }
      if (i < headCount) head += 1;
      lines.push(entries.lines[i] as string);
      sizes.push(size);
      frameBytes += frame;
    }
    if (lines.length === 0) {
      this.forgetLoaded();
      return none;
    }
    const seqs = [...this.loaded.keys(), ...this.backlog.map((segment) => segment.seq)];
    const seq = seqs.length > 0 ? Math.min(...seqs) - 1 : this.nextSeq++;
    const path = join(this.settings.dir, segmentName(seq));
    const temp = `${path}.tmp`;
    try {
      const fd = this.fs.openSync(temp, 'w');
      try {
        writeAll(this.fs, fd, encodeFrames(lines, sizes));
      } finally {
        this.fs.closeSync(fd);
      }
      this.fs.renameSync(temp, path);
    } catch (error) {
      this.logger.error('cannot spool the buffered lines', { path, error: String(error) });
      this.unlink(temp);
      this.restoreLoaded();
      let lost = 0;
      let lostBytes = 0;
      for (let i = 0; i < entries.lines.length; i++) {
        if (entries.origins[i] !== 0) continue;
        lost += 1;
        lostBytes += entries.sizes[i] as number;
      }
      this.drops.add('spool-error', lost, lostBytes);
      return none;
    }
    this.forgetLoaded();
    let payloadBytes = 0;
    for (const size of sizes) payloadBytes += size;
    this.backlog.unshift({
      seq,
      path,
      diskBytes: frameBytes,
      lines: lines.length,
      payloadBytes,
      scanned: true,
      outstanding: 0,
    });
    this.diskBytes += frameBytes;
    this.spooled += lines.length;
    return { seq, head };
  }

  /**
   * Removes the first `count` lines of segment `seq` if it is still waiting in the backlog: a batch
   * spooled at a drain deadline was delivered after all. Returns whether it could.
   */
  dropHead(seq: number, count: number): boolean {
    const segment = this.backlog.find((candidate) => candidate.seq === seq);
    if (!segment || this.writer?.segment === segment) return false;
    try {
      const decoded = decodeFrames(this.fs.readFileSync(segment.path));
      const rest = decoded.lines.slice(count);
      if (rest.length === 0) {
        this.fs.unlinkSync(segment.path);
        this.backlog.splice(this.backlog.indexOf(segment), 1);
        this.diskBytes -= segment.diskBytes;
        return true;
      }
      const data = encodeFrames(rest);
      const temp = `${segment.path}.tmp`;
      const fd = this.fs.openSync(temp, 'w');
      try {
        writeAll(this.fs, fd, data);
      } finally {
        this.fs.closeSync(fd);
      }
      this.fs.renameSync(temp, segment.path);
      this.diskBytes += data.length - segment.diskBytes;
      segment.diskBytes = data.length;
      segment.lines = rest.length;
      segment.payloadBytes = decoded.sizes.slice(count).reduce((a, b) => a + b, 0);
      return true;
    } catch (error) {
      this.logger.warn('cannot remove delivered lines from the spool', {
        path: segment.path,
        error: String(error),
      });
      return false;
    }
  }

  /**
   * Deletes every segment, backlog and loaded (nothing will read this folder again). Returns the
   * backlog's lines and bytes, for the caller to count; the loaded segments' lines are in memory.
   */
  discard(): { records: number; bytes: number } {
    this.closeWriter();
    let records = 0;
    let bytes = 0;
    for (const segment of this.backlog.splice(0)) {
      records += segment.lines;
      bytes += segment.payloadBytes;
      this.unlink(segment.path);
      this.diskBytes -= segment.diskBytes;
    }
    this.forgetLoaded();
    return { records, bytes };
  }

  /** Deletes the loaded segments: their undelivered lines were persisted again, or dropped and counted. */
  private forgetLoaded(): void {
    for (const segment of this.loaded.values()) {
      this.unlink(segment.path);
      this.diskBytes -= segment.diskBytes;
    }
    this.loaded.clear();
  }

  /** After a failed persist: loaded segments go back to the backlog head (replayed again later). */
  private restoreLoaded(): void {
    const segments = [...this.loaded.values()].sort((a, b) => a.seq - b.seq);
    this.loaded.clear();
    for (const segment of segments) segment.scanned = true;
    this.backlog.unshift(...segments);
  }

  private unlink(path: string): void {
    try {
      this.fs.unlinkSync(path);
    } catch (error) {
      this.logger.warn('cannot delete a spool file', { path, error: String(error) });
    }
  }
}
