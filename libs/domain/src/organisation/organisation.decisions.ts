import { decision, one } from '../shared/decision';
import { RuleViolation } from '../shared/rule-violation';
import {
  DeclareFullTimeTeachers,
  EraseTeacherPersonalData,
  RegisterOrgUnit,
  RegisterTeacher,
  SetIssuingOffice,
} from './organisation.commands';
import {
  decideDeclareFullTimeTeachers,
  decideRegisterOrgUnit,
  decideSetIssuingOffice,
  orgUnitStreamId,
} from './org-unit.decider';
import { actsOver } from './organisation.lookups';
import { orgUnitStream, teacherStream } from './organisation.streams';
import { decideEraseTeacherPersonalData, decideRegisterTeacher, teacherStreamId } from './teacher.decider';

/**
 * The unit's own stream, and its parent's (none for a province), whose ancestry it joins. A unit
 * registered already is compared field by field (imports rerun) only for those who act over it:
 * to anyone else, any data is refused alike, so nobody learns another region's units field by field.
 */
export const registerOrgUnitDecision = decision<RegisterOrgUnit>()
  .reads(({ data }) => ({
    unit: one(orgUnitStream, orgUnitStreamId(data.unitId)),
    parent: one(orgUnitStream, data.parentId === undefined ? undefined : orgUnitStreamId(data.parentId)),
  }))
  .decides(
    (command, roles, read) => {
      const unit = read(roles.unit);
      if (unit.status === 'registered' && !actsOver(command.metadata.actor, unit)) {
        const { unitId } = command.data;
        throw new RuleViolation('UNIT_ALREADY_REGISTERED', `Unit ${unitId} is already registered`, { unitId });
      }
      return {
        unit: decideRegisterOrgUnit(
          command,
          unit,
          roles.parent.streamId === undefined ? undefined : read(roles.parent),
        ),
      };
    },
    { about: (roles) => roles.unit },
  );

/** The teacher's stream, and the school's, whose ancestry the teacher's registration copies. */
export const registerTeacherDecision = decision<RegisterTeacher>()
  .reads(({ data }) => ({
    teacher: one(teacherStream, teacherStreamId(data.teacherId)),
    school: one(orgUnitStream, orgUnitStreamId(data.schoolId)),
  }))
  .decides(
    (command, roles, read) => ({ teacher: decideRegisterTeacher(command, read(roles.teacher), read(roles.school)) }),
    { about: (roles) => roles.teacher },
  );

/** The unit's own stream alone. */
export const setIssuingOfficeDecision = decision<SetIssuingOffice>()
  .reads(({ data }) => ({ unit: one(orgUnitStream, orgUnitStreamId(data.unitId)) }))
  .decides((command, roles, read) => ({ unit: decideSetIssuingOffice(command, read(roles.unit)) }), {
    about: (roles) => roles.unit,
  });

/** The unit's own stream alone. */
export const declareFullTimeTeachersDecision = decision<DeclareFullTimeTeachers>()
  .reads(({ data }) => ({ unit: one(orgUnitStream, orgUnitStreamId(data.unitId)) }))
  .decides((command, roles, read) => ({ unit: decideDeclareFullTimeTeachers(command, read(roles.unit)) }), {
    about: (roles) => roles.unit,
  });

/** The teacher's own stream: the erasure is recorded there. */
export const eraseTeacherPersonalDataDecision = decision<EraseTeacherPersonalData>()
  .reads(({ data }) => ({ teacher: one(teacherStream, teacherStreamId(data.teacherId)) }))
  .decides((command, roles, read) => ({ teacher: decideEraseTeacherPersonalData(command, read(roles.teacher)) }), {
    about: (roles) => roles.teacher,
  });
