import { EventData, RecordedEvent } from './event';

/** Turns the stored shape of `type` at `fromVersion` into the shape of `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: EventData): EventData;
}

/**
 * Knows the current schema version of each event type and how to lift old shapes to it.
 * Stored events are never rewritten; they are upcast on every read.
 */
export class EventSchemaRegistry {
  private readonly upcasters = new Map<string, Map<number, Upcaster>>();
  private readonly current = new Map<string, number>();

  register(upcaster: Upcaster): this {
    const byVersion = this.upcasters.get(upcaster.type) ?? new Map<number, Upcaster>();
    if (byVersion.has(upcaster.fromVersion)) {
      throw new Error(`An upcaster for ${upcaster.type} v${upcaster.fromVersion} is already registered`);
    }
    byVersion.set(upcaster.fromVersion, upcaster);
    this.upcasters.set(upcaster.type, byVersion);
    this.current.set(upcaster.type, Math.max(this.currentVersion(upcaster.type), upcaster.fromVersion + 1));
    return this;
  }

  /** The version new events of this type are written with. */
  currentVersion(type: string): number {
    return this.current.get(type) ?? 1;
  }

  upcast<E extends RecordedEvent>(event: E): E {
    const target = this.currentVersion(event.type);
    let version = event.metadata.schemaVersion;
    if (version >= target) return event;
    let data = event.data;
    while (version < target) {
      const upcaster = this.upcasters.get(event.type)?.get(version);
      if (!upcaster) throw new Error(`No upcaster for ${event.type} from v${version} to v${version + 1}`);
      data = upcaster.upcast(data);
      version += 1;
    }
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
  }
}
