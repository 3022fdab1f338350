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

type Mapped<R> = { done: true } | { done: false; value: R } | { done: false; error: unknown };

/**
 * `map` over `items`, running up to `ahead` items before they are asked for, each in a later turn
 * of the event loop: CPU-bound mapping then fills the time the consumer spends waiting on I/O.
 * Results and failures come out in order; a failure is thrown only when its item is reached.
 */
export async function* mapAhead<T, R>(items: AsyncIterable<T>, ahead: number, map: (item: T) => R | Promise<R>): AsyncGenerator<R> {
  const iterator = items[Symbol.asyncIterator]();
  const pending: Promise<Mapped<R>>[] = [];
  let exhausted = false;
  const pull = () => {
    if (exhausted) return;
    pending.push(
      iterator.next().then(
        async (result): Promise<Mapped<R>> => {
          if (result.done) {
            exhausted = true;
            return { done: true };
          }
          await new Promise((resolve) => setImmediate(resolve));
          try {
            return { done: false, value: await map(result.value) };
          } catch (error) {
            return { done: false, error };
          }
        },
        (error: unknown): Mapped<R> => {
          exhausted = true;
          return { done: false, error };
        },
      ),
    );
  };
  for (;;) {
    while (pending.length <= ahead && !exhausted) pull();
    const next = pending.shift();
    if (next === undefined) return;
    const mapped = await next;
    if (mapped.done) return;
    if ('error' in mapped) throw mapped.error;
    yield mapped.value;
  }
}
