/**
 * Hands the items to `concurrency` workers (at least one). They share one iterator, so the items
 * are read only as fast as they are handled. The first failure stops every worker before it is
 * thrown, so a rerun races nothing.
 */
export async function forEachConcurrently<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  handle: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]()) as
    AsyncIterator<T> | Iterator<T>;
  // One pull at a time: an iterator (a generator above all) must not be asked twice at once.
  let pulling: Promise<unknown> = Promise.resolve();
  const next = (): Promise<IteratorResult<T>> => {
    const result = pulling.then(() => iterator.next());
    pulling = result.catch(() => undefined);
    return result;
  };
  let failed = false;
  const worker = async () => {
    for (let item = await next(); !item.done && !failed; item = await next()) await handle(item.value);
  };
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.max(1, concurrency) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  // Close the source (a file, a cursor) as for-await would, also when a worker failed.
  await iterator.return?.();
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}

type Read<T> = { done: true } | { done: false; value: T } | { done: false; error: unknown };

/**
 * Asks `items` for up to `ahead` items before the consumer does, so that a source that works to
 * produce them (giving the event loop turns meanwhile) works while the consumer waits on I/O.
 * Items and failures come out in order; a failure is thrown only when its item is reached.
 */
export async function* readAhead<T>(items: AsyncIterable<T>, ahead: number): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  const pending: Promise<Read<T>>[] = [];
  let exhausted = false;
  const pull = () =>
    pending.push(
      iterator.next().then(
        (result): Read<T> => {
          if (!result.done) return { done: false, value: result.value };
          exhausted = true;
          return { done: true };
        },
        (error: unknown): Read<T> => {
          exhausted = true;
          return { done: false, error };
        },
      ),
    );
  try {
    for (;;) {
      while (pending.length <= Math.max(0, ahead) && !exhausted) pull();
      const next = pending.shift();
      if (next === undefined) return;
      const read = await next;
      if (read.done) return;
      if ('error' in read) throw read.error;
      yield read.value;
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}
