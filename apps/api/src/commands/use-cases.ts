import { CommandPipelineOptions, contractUseCases } from '@tip/application';
import {
  fold,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  TeacherEvent,
  teacherDecider,
  teacherStreamId,
} from '@tip/domain';

const orgUnits = orgUnitDecider();
const teachers = teacherDecider();

/** The contract's commands, and how the pipeline finds a unit's place and a teacher's school. */
export const commandPipelineWiring: Omit<
  CommandPipelineOptions,
  'streams' | 'clock' | 'idempotency' | 'services' | 'requestHashKey'
> = {
  useCases: contractUseCases,
  unitStreamId: orgUnitStreamId,
  unitPath: (events) => {
    const unit = fold(orgUnits, events as OrgUnitEvent[]);
    return unit.status === 'registered' ? [...unit.ancestry, unit.unitId] : undefined;
  },
  teacherStreamId,
  teacherSchool: (events) => {
    const teacher = fold(teachers, events as TeacherEvent[]);
    return teacher.status === 'registered' ? teacher.schoolId : undefined;
  },
};
