/** V8's header of a sequential string on 64-bit builds without pointer compression (map, hash, length). */
const STRING_HEADER_BYTES = 16;
/** A queued record's slots in the queue's five parallel arrays, 8 bytes each. */
const SLOT_BYTES = 40;
/** A character V8 cannot store in a one-byte (Latin-1) string. */
const TWO_BYTE = /[\u0100-\uffff]/;

/**
 * What a queued line costs in V8's heap, which is what the memory bound is about: the string (a
 * header, then one byte per character, or two for every character once one is above U+00FF),
 * rounded up to 8 bytes, plus its slots in the queue's arrays. Its UTF-8 size (`size`, newline
 * included) tells an ASCII line at once; other lines are scanned.
 */
export function lineCost(line: string, size: number): number {
  const chars = line.length;
  const width = size - 1 === chars || !TWO_BYTE.test(line) ? 1 : 2;
  return ((STRING_HEADER_BYTES + chars * width + 7) & ~7) + SLOT_BYTES;
}

/** The least `lines` lines of `bytes` UTF-8 bytes (newlines included) cost in the heap: all ASCII. */
export function leastCost(lines: number, bytes: number): number {
  return bytes - lines + lines * (STRING_HEADER_BYTES + SLOT_BYTES);
}

/**
 * A slice of the queue taken out for a flush (or for the spool): parallel arrays, oldest first.
 * `origins` holds the spool segment a line was loaded from (0: never on disk).
 */
export interface Entries {
  lines: string[];
  sizes: number[];
  priorities: number[];
  times: number[];
  origins: number[];
  bytes: number;
  /** What the lines cost in the heap ({@link lineCost}). */
  memory: number;
}

/** Empty parallel arrays. */
export function emptyEntries(): Entries {
  return { lines: [], sizes: [], priorities: [], times: [], origins: [], bytes: 0, memory: 0 };
}

const COMPACT_AT = 1_024;
const SMALL = 16;

function isSmall(priority: number): boolean {
  return priority >= 0 && priority < SMALL && Number.isInteger(priority);
}

/**
 * The in-memory FIFO of serialized lines. Each record costs its line plus four small numbers in
 * parallel arrays (no object per record). Evicted records leave a hole (`undefined`) skipped later.
 */
export class LineQueue {
  private lines: (string | undefined)[] = [];
  private sizes: number[] = [];
  private priorities: number[] = [];
  private times: number[] = [];
  private origins: number[] = [];
  private head = 0;

  /**
   * @param keepPriorities store priorities (only the drop policy reads them; otherwise all are 0)
   * @param keepOrigins store origins (only a spool produces them; otherwise all are 0)
   */
  constructor(
    private readonly keepPriorities = true,
    private readonly keepOrigins = true,
  ) {}

  /** Live records. */
  count = 0;
  /** Live bytes (line + newline each). */
  bytes = 0;
  /** What the live records cost in the heap ({@link lineCost}). */
  memory = 0;
  /** Live records per priority: an array for small integers (the hot path), a map for the rest. */
  private readonly small: number[] = new Array<number>(SMALL).fill(0);
  private readonly byPriority = new Map<number, number>();
  /** Per priority: no live record of that priority sits before this index. */
  private readonly cursors = new Map<number, number>();

  push(line: string, size: number, priority: number, time: number, origin: number): void {
    this.lines.push(line);
    this.sizes.push(size);
    if (this.keepPriorities) this.priorities.push(priority);
    this.times.push(time);
    if (this.keepOrigins) this.origins.push(origin);
    this.count += 1;
    this.bytes += size;
    this.memory += lineCost(line, size);
    this.countPriority(priority);
  }

  private countPriority(priority: number): void {
    if (isSmall(priority)) (this.small[priority] as number)++;
    else this.byPriority.set(priority, (this.byPriority.get(priority) ?? 0) + 1);
  }

  /** The arrival time of the oldest live record. */
  headTime(): number | undefined {
    this.skipHoles();
    return this.count === 0 ? undefined : this.times[this.head];
  }

  /** Takes up to `maxItems` records and `maxBytes` bytes from the head (one oversized record alone). */
  cut(maxItems: number, maxBytes: number): Entries | undefined {
    this.skipHoles();
    if (this.count === 0) return undefined;
    const out = emptyEntries();
    let i = this.head;
    const end = this.lines.length;
    while (i < end && out.lines.length < maxItems) {
      const line = this.lines[i];
      if (line === undefined) {
        i += 1;
        continue;
      }
      const size = this.sizes[i] as number;
      if (out.lines.length > 0 && out.bytes + size > maxBytes) break;
      this.take(i, out);
      i += 1;
    }
    this.head = i;
    this.compact();
    return out;
  }

  /** Takes every live record. */
  takeAll(): Entries {
    const out = emptyEntries();
    for (let i = this.head; i < this.lines.length; i++) if (this.lines[i] !== undefined) this.take(i, out);
    this.reset();
    return out;
  }

  /** Puts records back at the head, in their order (after a failed flush). */
  unshift(entries: Entries): void {
    if (entries.lines.length === 0) return;
    const tail = this.head;
    this.lines = (entries.lines as (string | undefined)[]).concat(this.lines.slice(tail));
    this.sizes = entries.sizes.concat(this.sizes.slice(tail));
    if (this.keepPriorities) this.priorities = entries.priorities.concat(this.priorities.slice(tail));
    this.times = entries.times.concat(this.times.slice(tail));
    if (this.keepOrigins) this.origins = entries.origins.concat(this.origins.slice(tail));
    this.head = 0;
    this.cursors.clear();
    this.count += entries.lines.length;
    this.bytes += entries.bytes;
    this.memory += entries.memory;
    for (const priority of entries.priorities) this.countPriority(priority);
  }

  /** The lowest priority among live records. */
  lowestPriority(): number | undefined {
    let lowest: number | undefined;
    for (const priority of this.byPriority.keys())
      if (lowest === undefined || priority < lowest) lowest = priority;
    const small = this.small.findIndex((count) => count > 0);
    return small !== -1 && (lowest === undefined || small < lowest) ? small : lowest;
  }

  /** Removes the oldest live record of the lowest priority if that priority is below `than`. */
  evictBelow(than: number): { size: number; origin: number } | undefined {
    const lowest = this.lowestPriority();
    if (lowest === undefined || lowest >= than) return undefined;
    let i = Math.max(this.cursors.get(lowest) ?? this.head, this.head);
    const end = this.lines.length;
    while (i < end && (this.lines[i] === undefined || this.priorities[i] !== lowest)) i += 1;
    const size = this.sizes[i] as number;
    const origin = this.origins[i] ?? 0;
    const memory = lineCost(this.lines[i] as string, size);
    this.lines[i] = undefined;
    this.forget(size, memory, lowest);
    this.cursors.set(lowest, i + 1);
    return { size, origin };
  }

  private take(i: number, out: Entries): void {
    const size = this.sizes[i] as number;
    const priority = this.priorities[i] ?? 0;
    const line = this.lines[i] as string;
    const memory = lineCost(line, size);
    out.lines.push(line);
    out.sizes.push(size);
    out.priorities.push(priority);
    out.times.push(this.times[i] as number);
    out.origins.push(this.origins[i] ?? 0);
    out.bytes += size;
    out.memory += memory;
    this.lines[i] = undefined;
    this.forget(size, memory, priority);
  }

  private forget(size: number, memory: number, priority: number): void {
    this.count -= 1;
    this.bytes -= size;
    this.memory -= memory;
    let left: number;
    if (isSmall(priority)) left = --(this.small[priority] as number);
    else {
      left = (this.byPriority.get(priority) as number) - 1;
      if (left === 0) this.byPriority.delete(priority);
      else this.byPriority.set(priority, left);
    }
    if (left === 0) this.cursors.delete(priority);
  }

  private skipHoles(): void {
    while (this.head < this.lines.length && this.lines[this.head] === undefined) this.head += 1;
    if (this.count === 0) this.reset();
  }

  private compact(): void {
    if (this.count === 0) {
      this.reset();
      return;
    }
    if (this.head < COMPACT_AT || this.head * 2 < this.lines.length) return;
    const from = this.head;
    this.lines = this.lines.slice(from);
    this.sizes = this.sizes.slice(from);
    this.priorities = this.priorities.slice(from);
    this.times = this.times.slice(from);
    this.origins = this.origins.slice(from);
    this.head = 0;
    for (const [priority, cursor] of this.cursors) this.cursors.set(priority, Math.max(0, cursor - from));
  }

  private reset(): void {
    this.lines = [];
    this.sizes = [];
    this.priorities = [];
    this.times = [];
    this.origins = [];
    this.head = 0;
    this.cursors.clear();
  }
}
