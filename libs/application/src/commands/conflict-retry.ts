import { Pause } from '../ports/clock';
import { StreamConflict } from '../ports/event-streams';
import { Randomness } from '../ports/randomness';
import { ContendedStreams } from './contended-streams';
import { CommandConflict } from './errors';

export interface ConflictRetryOptions {
  contended: ContendedStreams;
  randomness: Randomness;
  pause: Pause;
  /** Attempts when other writers keep changing the same streams. */
  maxAttempts: number;
}

/**
 * Runs an attempt again from the top when another writer got in between (so a loser meets the
 * business rule, seats gone, rather than a conflict), after a short random pause that grows.
 */
export class ConflictRetry {
  constructor(private readonly options: ConflictRetryOptions) {}

  async run<T>(commandName: string, attempt: (attempt: number) => Promise<T>): Promise<T> {
    for (let number = 1; number <= this.options.maxAttempts; number++) {
      try {
        return await attempt(number);
      } catch (error) {
        if (!(error instanceof StreamConflict)) throw error;
        this.options.contended.markContended(error.streamId);
        await this.options.pause(this.options.randomness.fraction() * Math.min(2 ** number, 50));
      }
    }
    throw new CommandConflict(`${commandName} kept colliding with other writers; try again`);
  }
}
