import type { KurrentDbEventStore, KurrentDbEventStoreOptions } from './kurrentdb-event-store';

/**
 * Connects to KurrentDB (see KurrentDbEventStore). The client is loaded only here, when asked
 * for: it brings gRPC and a native bridge with prebuilt binaries for seven platforms, which
 * processes that keep their events in PostgreSQL need not load.
 */
export async function createKurrentDbEventStore(options: KurrentDbEventStoreOptions): Promise<KurrentDbEventStore> {
  const { createKurrentDbEventStore: create } = await import('./kurrentdb-event-store');
  return create(options);
}
