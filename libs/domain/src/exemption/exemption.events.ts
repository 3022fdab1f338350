import { DomainEvent } from '../shared/messages';

/** The teacher is exempt in the programme from now on: outside every target and denominator. */
export type TeacherExempted = DomainEvent<
  'TeacherExempted',
  {
    programmeId: string;
    teacherId: string;
    /** The teacher's school when exempted (the read side follows later moves on the teacher's stream). */
    schoolId: string;
    /** The rule that exempts, as the rulebook words it: fewer than this many years before retirement. */
    yearsBeforeRetirement: number;
  }
>;

export type ExemptionEvent = TeacherExempted;
