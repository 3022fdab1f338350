import { CommandPipelineOptions, contractUseCases } from '@tip/application';
import { DomainEvent } from '@tip/domain';

// Until the organisation context lands, read the hierarchy straight from its registration event.
const unitPath = (events: DomainEvent[]) => {
  const registered = events.find((event) => event.type === 'OrgUnitRegistered');
  if (!registered) return undefined;
  const data = registered.data as { unitId: string; ancestry: string[] };
  return [...data.ancestry, data.unitId];
};

const teacherSchool = (events: DomainEvent[]) => {
  const registered = events.find((event) => event.type === 'TeacherRegistered');
  return registered ? (registered.data as { schoolId: string }).schoolId : undefined;
};

/** The contract's commands and how the pipeline finds units and teachers. */
export const commandPipelineWiring: Omit<CommandPipelineOptions, 'streams' | 'clock' | 'idempotency'> = {
  useCases: contractUseCases,
  unitStreamId: (unitId) => `org-unit-${unitId}`,
  unitPath,
  teacherStreamId: (teacherId) => `teacher-${teacherId}`,
  teacherSchool,
};
