import { KafkaJsBroker } from './kafkajs-broker';
import { PATCHED_KAFKAJS_VERSION, RequestQueue } from './request-queue-timer';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue() {
  return new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'spec',
    broker: 'localhost:9092',
    logger: quiet,
  });
}

describe("kafkajs's request queue, as the broker adapter loads it", () => {
  it('is the release the replaced method was read against', () => {
    expect(KafkaJsBroker).toBeDefined();
    // Another release: read its RequestQueue again before dropping or keeping the replacement.
    expect(require('kafkajs/package.json').version).toBe(PATCHED_KAFKAJS_VERSION);
  });

  it('arms no timer when nothing is held back and nothing throttled (kafkajs 2.2.4 re-armed one every millisecond)', () => {
    const idle = queue();
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
    idle.checkPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still looks again at requests held back, at the throttle’s end or soon', () => {
    for (const throttledUntil of [Date.now() + 60_000, -1]) {
      const holding = queue();
      holding.throttledUntil = throttledUntil;
      holding.pending.push({});
      holding.scheduleCheckPendingRequests();
      expect(holding.throttleCheckTimeoutId).not.toBeNull();
      if (holding.throttleCheckTimeoutId) clearTimeout(holding.throttleCheckTimeoutId);
    }
  });
});
