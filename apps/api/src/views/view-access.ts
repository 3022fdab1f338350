import { Inject, Injectable } from '@nestjs/common';
import {
  Actor,
  batchStreamId,
  fold,
  inspectionStreamId,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  programmeStreamId,
  TeacherEvent,
  teacherDecider,
  teacherStreamId,
} from '@tip/domain';
import { Forbidden } from '@tip/application';
import type { EventStore, RecordedEvent } from '@tip/event-store';
import { EVENT_STORE } from '../infrastructure/event-store.provider';

/** Read everything: the importer, auditors, and the province's inspectors (their unit is the province anyway). */
const READ_ALL = new Set(['system', 'auditor']);

export function readsEverything(actor: Actor): boolean {
  return READ_ALL.has(actor.role);
}

const orgUnits = orgUnitDecider();
const teachers = teacherDecider();
const domainEvents = <E>(events: RecordedEvent[]) => events.map(({ type, data }) => ({ type, data })) as E[];

/** Where a view's subject sits: the unit path (ancestors, then itself) that decides who may read it. */
type Placement = () => Promise<readonly string[] | undefined>;

/**
 * Views follow the commands' scope rule: an actor reads inside the subtree of its own unit; a
 * teacher reads only its own transcript. The check comes first, before a view waits for its read
 * model or looks anything up there, and reads the subject's place from the event store (the
 * source of truth, ahead of every read model, so read-your-writes holds). Outside the subtree and
 * unknown get the same 403 with the same message, at once: an answer never tells whether an id
 * outside one's scope exists. Those who read everything get their 404s from the view itself.
 */
@Injectable()
export class ViewAccess {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async unit(actor: Actor, unitId: string): Promise<void> {
    await this.assertInside(actor, () => this.unitPath(unitId));
  }

  async batch(actor: Actor, batchId: string): Promise<void> {
    await this.assertInside(actor, async () => {
      const owner = await this.batchOwner(batchId);
      return owner === undefined ? undefined : this.unitPath(owner);
    });
  }

  /**
   * A batch named beside a unit (`?batchId=`): one run by a unit above or below the actor's. A
   * batch elsewhere answers like one that does not exist.
   */
  async batchConcerning(actor: Actor, batchId: string): Promise<void> {
    if (READ_ALL.has(actor.role) || actor.role === 'teacher') return;
    const own = actor.unitId;
    const owner = await this.batchOwner(batchId);
    if (owner !== undefined && own !== undefined) {
      const [ownerPath, ownPath] = await Promise.all([this.unitPath(owner), this.unitPath(own)]);
      if (ownerPath?.includes(own) || ownPath?.includes(owner)) return;
    }
    throw this.outside(actor);
  }

  async sample(actor: Actor, sampleId: string): Promise<void> {
    await this.assertInside(actor, async () => {
      const events = await this.store.readStream(inspectionStreamId(sampleId));
      const scopeUnitId = events.find((event) => event.type === 'InspectionSampleDrawn')?.data.scopeUnitId;
      return typeof scopeUnitId === 'string' ? this.unitPath(scopeUnitId) : undefined;
    });
  }

  async transcript(actor: Actor, teacherId: string): Promise<void> {
    if (actor.role === 'teacher') {
      if (actor.sub === teacherId) return;
      throw new Forbidden('A teacher may read only their own transcript');
    }
    await this.assertInside(actor, async () => {
      const teacher = fold(
        teachers,
        domainEvents<TeacherEvent>(await this.store.readStream(teacherStreamId(teacherId))),
      );
      return teacher.status === 'registered' ? this.unitPath(teacher.schoolId) : undefined;
    });
  }

  private async assertInside(actor: Actor, placement: Placement): Promise<void> {
    if (READ_ALL.has(actor.role)) return;
    const own = actor.unitId;
    if (actor.role !== 'teacher' && own !== undefined && (await placement())?.includes(own)) return;
    throw this.outside(actor);
  }

  private outside(actor: Actor): Forbidden {
    return new Forbidden(
      actor.role === 'teacher'
        ? 'A teacher may read only their own transcript'
        : `A ${actor.role} reads only inside the subtree of its own unit (${actor.unitId ?? 'none'})`,
    );
  }

  private async unitPath(unitId: string): Promise<string[] | undefined> {
    const unit = fold(orgUnits, domainEvents<OrgUnitEvent>(await this.store.readStream(orgUnitStreamId(unitId))));
    return unit.status === 'registered' ? [...unit.ancestry, unit.unitId] : undefined;
  }

  /** The unit whose programme the batch belongs to (a city running its own, or the province). */
  private async batchOwner(batchId: string): Promise<string | undefined> {
    const scheduled = (await this.store.readStream(batchStreamId(batchId))).find(
      (event) => event.type === 'BatchScheduled',
    );
    const programmeId = scheduled?.data.programmeId;
    if (typeof programmeId !== 'string') return undefined;
    const launched = (await this.store.readStream(programmeStreamId(programmeId))).find(
      (event) => event.type === 'ProgrammeLaunched',
    );
    const owner = launched?.data.ownerUnitId ?? launched?.data.provinceId;
    return typeof owner === 'string' ? owner : undefined;
  }
}
