import { orgUnitStreamId } from '../organisation/org-unit.decider';
import { orgUnitStream } from '../organisation/organisation.streams';
import { decision, one } from '../shared/decision';
import { RuleViolation } from '../shared/rule-violation';
import { batchStreamId } from './batch';
import { ExtendBatch, LaunchProgramme, ScheduleBatch } from './programme.commands';
import { decideExtendBatch, decideLaunchProgramme, decideScheduleBatch, programmeStreamId } from './programme.decider';
import { batchStream, programmeStream } from './programme.streams';

/**
 * The programme's stream and its province's, which must be a registered province; for a city-run
 * programme, the owner's too, which must be one of the province's cities. A programme launched
 * already is compared field by field only for its own province (and system): another province's
 * admin learns that the id is taken, not what it holds.
 */
export const launchProgrammeDecision = decision<LaunchProgramme>()
  .reads(({ data }) => ({
    programme: one(programmeStream, programmeStreamId(data.programmeId)),
    province: one(orgUnitStream, orgUnitStreamId(data.provinceId)),
    owner: one(
      orgUnitStream,
      data.ownerUnitId === undefined || data.ownerUnitId === data.provinceId
        ? undefined
        : orgUnitStreamId(data.ownerUnitId),
    ),
  }))
  .decides(
    (command, roles, read) => {
      const programme = read(roles.programme);
      const { actor } = command.metadata;
      if (programme.status === 'launched' && actor.role !== 'system' && actor.unitId !== programme.provinceId) {
        const { programmeId } = command.data;
        throw new RuleViolation('PROGRAMME_ALREADY_LAUNCHED', `Programme ${programmeId} is already launched`, {
          programmeId,
        });
      }
      return {
        programme: decideLaunchProgramme(command, programme, read(roles.province), read(roles.owner)),
      };
    },
    { about: (roles) => roles.programme },
  );

/**
 * ExtendBatch names only the batch: its stream names the programme, whose stream decides; the
 * extension is copied to the batch's stream, like its schedule, in one atomic append.
 */
export const extendBatchDecision = decision<ExtendBatch>()
  .reads(({ data }) => ({ batch: one(batchStream, batchStreamId(data.batchId)) }))
  .then((_command, { batch }, read) => {
    const scheduled = read(batch);
    return {
      programme: one(
        programmeStream,
        scheduled.status === 'scheduled' ? programmeStreamId(scheduled.programmeId) : undefined,
        { mirror: true },
      ),
    };
  })
  .decides(
    (command, roles, read) => {
      const extended = decideExtendBatch(command, read(roles.programme), read(roles.batch));
      return { programme: extended, batch: extended };
    },
    { about: (roles) => roles.batch },
  );

/**
 * BatchScheduled goes to the programme's stream and, as a copy, to the batch's own, so a batch's
 * periods and rulebook are one read away; both in one atomic append. The batch's stream also
 * tells whether another programme took the id.
 */
export const scheduleBatchDecision = decision<ScheduleBatch>()
  .reads(({ data }) => ({
    programme: one(programmeStream, programmeStreamId(data.programmeId), { mirror: true }),
    batch: one(batchStream, batchStreamId(data.batchId)),
  }))
  .decides(
    (command, roles, read) => {
      const scheduled = decideScheduleBatch(command, read(roles.programme), read(roles.batch));
      return { programme: scheduled, batch: scheduled };
    },
    { about: (roles) => roles.batch },
  );
