import { Position } from '@kurrent/kurrentdb-client';
import { numberToPosition } from './kurrentdb-mapping';

/**
 * Where a read of $all may start. KurrentDB reads $all from the exact log position of a record;
 * a position inside a record is refused ("invalid position"). TIP's callers pass positions they
 * were given (exact) or one past them (`position + 1`), so a read tries, in order: an exact
 * position this process has seen at or just below the one asked for, the position itself, the
 * position before it, and as a last resort the start of the log.
 */
export type ReadStart = { kind: 'exact'; position: number; exact: Position; verified: boolean } | { kind: 'start' };

/** Positions of TIP events this process has seen, to start reads of $all on a record boundary. */
export class PositionIndex {
  private sorted: number[] = [];
  private readonly exact = new Map<number, Position>();

  constructor(
    private readonly capacity = 100_000,
    /** How far below the position asked for a seen position may be and still be worth starting from. */
    private readonly nearBytes = 64 * 1024,
  ) {}

  get size(): number {
    return this.sorted.length;
  }

  remember(position: number, exact: Position): void {
    if (this.exact.has(position)) return;
    this.exact.set(position, exact);
    const last = this.sorted[this.sorted.length - 1];
    if (last === undefined || position > last) this.sorted.push(position);
    else this.sorted.splice(this.upperBound(position), 0, position);
    if (this.sorted.length > this.capacity) this.thin();
  }

  /** The greatest seen position at or below `position`. */
  floor(position: number): { position: number; exact: Position } | undefined {
    const index = this.upperBound(position) - 1;
    if (index < 0) return undefined;
    const found = this.sorted[index];
    const exact = this.exact.get(found);
    return exact ? { position: found, exact } : undefined;
  }

  /** Where to try starting a read of everything at or after `position`, best first. */
  startsFor(position: number): ReadStart[] {
    if (position <= 1) return [{ kind: 'start' }];
    const floor = this.floor(position);
    if (floor && (floor.position === position || position - floor.position <= this.nearBytes)) {
      return [{ kind: 'exact', position: floor.position, exact: floor.exact, verified: true }];
    }
    const guesses: ReadStart[] = [
      { kind: 'exact', position, exact: numberToPosition(position), verified: false },
      { kind: 'exact', position: position - 1, exact: numberToPosition(position - 1), verified: false },
    ];
    return [
      ...guesses,
      floor ? { kind: 'exact', position: floor.position, exact: floor.exact, verified: true } : { kind: 'start' },
    ];
  }

  /** First index whose position is greater than `position`. */
  private upperBound(position: number): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sorted[middle] <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Keeps every other position: reads still start near where they are asked to. */
  private thin(): void {
    const kept: number[] = [];
    this.sorted.forEach((position, index) => {
      if (index % 2 === 0 || index === this.sorted.length - 1) kept.push(position);
      else this.exact.delete(position);
    });
    this.sorted = kept;
  }
}
