import { foldStream, OrgUnitState, orgUnitStream, orgUnitStreamId } from '@tip/domain';
import { EventStreams } from '../ports/event-streams';

/**
 * Units as the door sees them (does a token's role fit its unit?). A registered unit never
 * changes kind or place, so it is remembered; an unknown one is asked for again next time.
 */
export class UnitDirectory {
  private readonly known = new Map<string, OrgUnitState>();

  constructor(
    private readonly streams: EventStreams,
    private readonly capacity = 100_000,
  ) {}

  async unit(unitId: string): Promise<OrgUnitState> {
    const cached = this.known.get(unitId);
    if (cached) return cached;
    const unit = foldStream(orgUnitStream, (await this.streams.load(orgUnitStreamId(unitId))).events);
    if (unit.status === 'registered') {
      if (this.known.size >= this.capacity) this.known.clear();
      this.known.set(unitId, unit);
    }
    return unit;
  }
}
