import { ConfigError, loadConfig } from './config';
import { eventStoreSettingsOf } from './infrastructure/event-store.provider';

describe('configuration: where the events are stored', () => {
  it('stores events in PostgreSQL unless told otherwise', () => {
    const config = loadConfig({});
    expect(config.TIP_EVENT_STORE).toBe('postgres');
    expect(eventStoreSettingsOf(config)).toEqual({ kind: 'postgres' });
  });

  it('selects KurrentDB with its connection string', () => {
    const config = loadConfig({
      TIP_EVENT_STORE: 'kurrentdb',
      KURRENTDB_CONNECTION_STRING: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
    expect(eventStoreSettingsOf(config)).toEqual({
      kind: 'kurrentdb',
      connectionString: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
  });

  it('names the missing connection string when KurrentDB is selected without one', () => {
    expect(() => loadConfig({ TIP_EVENT_STORE: 'kurrentdb' })).toThrow(ConfigError);
    expect(() => loadConfig({ TIP_EVENT_STORE: 'kurrentdb' })).toThrow(
      /KURRENTDB_CONNECTION_STRING: is required when TIP_EVENT_STORE=kurrentdb/,
    );
  });

  it('refuses what is not a KurrentDB connection string, and an unknown store', () => {
    expect(() => loadConfig({ TIP_EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'postgres://x' })).toThrow(
      /KURRENTDB_CONNECTION_STRING: must be a KurrentDB connection string/,
    );
    expect(() => loadConfig({ TIP_EVENT_STORE: 'mongodb' })).toThrow(/TIP_EVENT_STORE/);
  });
});

describe('configuration: where the API listens', () => {
  it('listens on loopback unless TIP_HOST says otherwise', () => {
    expect(loadConfig({}).TIP_HOST).toBe('127.0.0.1');
    expect(loadConfig({ TIP_HOST: '0.0.0.0' }).TIP_HOST).toBe('0.0.0.0');
    expect(() => loadConfig({ TIP_HOST: 'not a host' })).toThrow(/TIP_HOST: must be an IP address or a host name/);
  });
});
