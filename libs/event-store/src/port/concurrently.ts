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
  const iterator = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]()) as AsyncIterator<T> | Iterator<T>;
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
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}
