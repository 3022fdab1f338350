import { createRequire } from 'node:module';

/** The part of kafkajs's RequestQueue (src/network/requestQueue) this file replaces a method of. */
interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** The release whose RequestQueue this was read against; another is left alone. */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

/** kafkajs's value: how soon a queue with requests held back looks at them again. */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

const fromKafkajs = createRequire(require.resolve('kafkajs'));

/** kafkajs's RequestQueue class (not part of its typed API). */
export const RequestQueue: { new (options: object): RequestQueueState; prototype: RequestQueueState } =
  fromKafkajs('./src/network/requestQueue');

/**
 * kafkajs 2.2.4 re-arms a timer to check a connection's held-back requests after every check,
 * even with none held back and no throttle: about a thousand timers a second on each broker
 * connection of every process, forever (tulios/kafkajs#1556, #1704; unfixed upstream). Replaced
 * by its intent: a check when requests are held back (at the throttle's end, or soon), else none
 * (a request answered checks the queue itself).
 */
export function stopIdleRequestChecks(): void {
  const version: unknown = fromKafkajs('./package.json').version;
  if (version !== PATCHED_KAFKAJS_VERSION) return;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueState) {
    if (this.throttleCheckTimeoutId) return;
    const throttled = this.throttledUntil - Date.now();
    if (throttled <= 0 && this.pending.length === 0) return;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 ? throttled : CHECK_PENDING_REQUESTS_INTERVAL,
    );
  };
}
