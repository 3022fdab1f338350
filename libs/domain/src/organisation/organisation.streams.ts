import { streamType } from '../shared/stream';
import { OrgUnitEvent, TeacherEvent } from './organisation.events';
import { evolveOrgUnit, OrgUnitState } from './org-unit.decider';
import { evolveTeacher, TeacherState } from './teacher.decider';

/** `org-unit-{unitId}`: a unit's registration, its issuing office, its declared full-time teachers. */
export const orgUnitStream = streamType<OrgUnitState, OrgUnitEvent>({
  category: 'org-unit',
  eventTypes: { OrgUnitRegistered: true, IssuingOfficeSet: true, FullTimeTeachersDeclared: true },
  evolve: evolveOrgUnit,
  initialState: () => ({ status: 'unregistered' }),
});

/** `teacher-{teacherId}`: a teacher's registration, school and the batches they take part in. */
export const teacherStream = streamType<TeacherState, TeacherEvent>({
  category: 'teacher',
  eventTypes: {
    TeacherRegistered: true,
    TeacherJoinedBatch: true,
    TeacherMovedSchool: true,
    TeacherPersonalDataErased: true,
  },
  evolve: evolveTeacher,
  initialState: () => ({ status: 'unregistered' }),
});
