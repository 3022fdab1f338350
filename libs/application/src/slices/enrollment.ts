import { createHash } from 'node:crypto';
import {
  assessPracticeDecision,
  batchStream,
  batchStreamId,
  birthDateOf,
  certificateStream,
  certificateStreamId,
  confirmEnrollmentDecision,
  enrollmentStream,
  enrollmentStreamId,
  enrollTeacherDecision,
  EnrollTeacherFacts,
  GRADES,
  issueCertificateDecision,
  one,
  orgUnitStream,
  orgUnitStreamId,
  recordOfflineHoursDecision,
  recordOnlineHoursDecision,
  recordPeerReviewDecision,
  returnEvidenceDecision,
  revokeCertificateDecision,
  RuleViolation,
  selectAbilityPointsDecision,
  submitPracticeEvidenceDecision,
  teacherStream,
  teacherStreamId,
  transferTeacherDecision,
  withdrawTeacherDecision,
} from '@tip/domain';
import { z } from 'zod';
import { defineCommand, defineCommandWithFacts } from '../commands/command-slice';
import { foundIn, onTeacher } from '../commands/scope';
import { identifier } from './identifiers';
import { certificateCode, text } from './text';
import { commonAncestor } from './organisation';
import { schoolFinishedAt } from './school-records';

const onRecord = { batchId: identifier, teacherId: identifier };
const hours = z.number().positive().max(200);
/** Admins act on a record through the school it belongs to, which a transfer may have left behind. */
const recordScope = (data: { batchId: string; teacherId: string }) => onTeacher(data.teacherId, data.batchId);

export const enrollTeacher = defineCommandWithFacts({
  name: 'EnrollTeacher',
  description:
    "Enrolls one of the school's teachers in a period of a batch, taking one of the school's seats for that " +
    'period where the programme hands out seats (quotas: false enrolls without). `voluntary: true` lets a ' +
    'teacher the rulebook exempts (Ningde: fewer than five years from retirement) take part all the same. Sent ' +
    'by system or a school-admin of the teacher’s school while the period is open. Refuses SCHOOL_CLOSED, ' +
    'UNKNOWN_TEACHER, UNKNOWN_BATCH, UNKNOWN_PERIOD, OUTSIDE_PROGRAMME (a school outside the city that runs ' +
    'it), ALREADY_ENROLLED (in another period), EXEMPT_TEACHER (exempt, without voluntary), ' +
    'ID_NUMBER_UNAVAILABLE (erased, needed for the exemption), NO_SEAT_LEFT.',
  schema: z
    .object({ batchId: identifier, periodId: identifier, teacherId: identifier, voluntary: z.boolean().optional() })
    .strict(),
  roles: ['school-admin'],
  scope: (data) => onTeacher(data.teacherId),
  // The birth date is inside the protected ID number: revealed only when an exemption needs it.
  facts: async ({ data }, services): Promise<EnrollTeacherFacts> => {
    const batch = await services.read(batchStream, batchStreamId(data.batchId));
    if (batch.status !== 'scheduled' || !batch.rulebook.exemption) return {};
    const teacher = await services.read(teacherStream, teacherStreamId(data.teacherId));
    if (teacher.status !== 'registered') return {};
    const idNumber = await services.idNumbers.reveal(data.teacherId, teacher.idNumberProtected);
    if (!idNumber) {
      // The key was erased (crypto-shredding): the exemption cannot be judged without the number.
      throw new RuleViolation(
        'ID_NUMBER_UNAVAILABLE',
        `Teacher ${data.teacherId}'s ID number has been erased; register it again`,
        { teacherId: data.teacherId },
      );
    }
    return { birthDate: birthDateOf(idNumber) };
  },
  decision: enrollTeacherDecision,
});

export const confirmEnrollment = defineCommand({
  name: 'ConfirmEnrollment',
  description:
    'The teacher confirms their enrollment (学员及时登录系统确认), soon after being enrolled. Sent by system or ' +
    'the teacher themself; confirming twice appends nothing. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED.',
  schema: z.object(onRecord).strict(),
  roles: ['teacher'],
  scope: recordScope,
  decision: confirmEnrollmentDecision,
});

export const withdrawTeacher = defineCommand({
  name: 'WithdrawTeacher',
  description:
    'Takes a teacher out of the batch; the seat is free again for the school. Sent by system or a school-admin ' +
    "of the record's school at any time before closure; withdrawing twice appends nothing. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, " +
    'SCHOOL_CLOSED, NOT_ENROLLED.',
  schema: z.object({ ...onRecord, reason: text(500) }).strict(),
  roles: ['school-admin'],
  scope: recordScope,
  decision: withdrawTeacherDecision,
});

export const selectAbilityPoints = defineCommand({
  name: 'SelectAbilityPoints',
  description:
    "Picks the micro-ability points (能力点) a teacher trains: the teacher within the rulebook's deadline after " +
    'enrollment (Jiangsu: a week), the school-admin after it. Sent by system, the teacher or a school-admin of ' +
    'the school. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED, DEADLINE_PASSED, DEADLINE_NOT_PASSED, BAD_POINT_CHOICE.',
  schema: z.object({ ...onRecord, points: z.array(text(20)).max(30) }).strict(),
  roles: ['teacher', 'school-admin'],
  scope: recordScope,
  decision: selectAbilityPointsDecision,
});

export const recordOnlineHours = defineCommand({
  name: 'RecordOnlineHours',
  description:
    "One record of the course platform's feed of online study hours, during the study window. Sent by system " +
    'only; the same recordId twice appends nothing. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED, BAD_HOURS, ' +
    'OUTSIDE_STUDY_WINDOW.',
  schema: z
    .object({
      ...onRecord,
      recordId: text(100),
      courseId: text(100),
      hours,
    })
    .strict(),
  // The course platform's feed: system only.
  roles: [],
  scope: recordScope,
  decision: recordOnlineHoursDecision,
});

export const submitPracticeEvidence = defineCommand({
  name: 'SubmitPracticeEvidence',
  description:
    'The teacher submits practice evidence (线下实践应用成果) for an ability point, once online study has ' +
    'passed where the rulebook asks; new evidence for a graded point is a retake. Sent by system or the ' +
    'teacher themself. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED, ONLINE_NOT_PASSED, ' +
    'POINT_NOT_CHOSEN, RETAKES_EXHAUSTED (the point has had as many gradings as the rulebook allows).',
  schema: z
    .object({
      ...onRecord,
      abilityPoint: text(50),
      evidenceRef: text(500),
    })
    .strict(),
  roles: ['teacher'],
  scope: recordScope,
  decision: submitPracticeEvidenceDecision,
});

export const recordPeerReview = defineCommand({
  name: 'RecordPeerReview',
  description:
    "The teacher watched and commented a peer's video pushed to them (观看与点评), during offline practice. " +
    'Sent by system or the teacher themself. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED.',
  schema: z.object({ ...onRecord, videoId: text(200), comment: text(2000) }).strict(),
  roles: ['teacher'],
  scope: recordScope,
  decision: recordPeerReviewDecision,
});

export const returnEvidence = defineCommand({
  name: 'ReturnEvidence',
  description:
    "The group leader sends a point's evidence back for rework before grading it. Sent by system or a " +
    "group-leader of the record's school. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED, EVIDENCE_MISSING.",
  schema: z
    .object({
      ...onRecord,
      abilityPoint: text(50),
      reason: text(2000),
    })
    .strict(),
  roles: ['group-leader'],
  scope: recordScope,
  decision: returnEvidenceDecision,
});

export const assessPractice = defineCommand({
  name: 'AssessPractice',
  description:
    'Grades practice (fail, pass, excellent), one point or all: the evidence awaiting assessment, or the chosen ' +
    'points where the rulebook grades without evidence (Yueyang). A retake is graded as the next attempt; the ' +
    "last grade counts. Sent by system, a group-leader or a school-admin of the record's school until the " +
    "batch's end. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED, PRACTICE_NOT_GRADED (the " +
    'rulebook grades nothing: Lianyungang), BATCH_ENDED, ONLINE_NOT_PASSED, EVIDENCE_MISSING, POINT_NOT_CHOSEN, ' +
    'RETAKES_EXHAUSTED.',
  schema: z.object({ ...onRecord, grade: z.enum(GRADES), abilityPoint: text(50).optional() }).strict(),
  roles: ['group-leader', 'school-admin'],
  scope: recordScope,
  decision: assessPracticeDecision,
});

export const recordOfflineHours = defineCommandWithFacts({
  name: 'RecordOfflineHours',
  description:
    "Sets a teacher's hours in a category an admin records, within the rulebook's time after the whole school " +
    "finished (Jiangsu: a week) and before the batch's end. Each category names the levels that record it: " +
    "the school's offline hours; Yueyang's workshop hours also by the county (its training institution) or the " +
    "city centre, added to the platform's feed. Sent by system or such an admin over the record's school; " +
    'another level is refused (403). Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED, BAD_HOURS, UNKNOWN_HOURS_CATEGORY, ' +
    'BATCH_ENDED, PEER_REVIEW_MISSING, EVIDENCE_MISSING, DEADLINE_PASSED.',
  schema: z.object({ ...onRecord, hours, category: text(50).optional() }).strict(),
  roles: ['school-admin', 'county-admin', 'city-admin'],
  scope: recordScope,
  // Offline hours are due within a week after the whole school finished: found from its records.
  facts: async ({ data }, services) => {
    const enrollment = await services.read(enrollmentStream, enrollmentStreamId(data.batchId, data.teacherId));
    if (enrollment.status === 'not-enrolled') return {};
    return { schoolFinishedAt: await schoolFinishedAt(services, data.batchId, enrollment.schoolId) };
  },
  decision: recordOfflineHoursDecision,
});

/**
 * Public verification codes, short enough to type (60 bits), drawn from the command id: random
 * for a plain command, fixed by the Idempotency-Key for a retried one, so a retry gets the same
 * code. A code only shows a certificate's validity and masked holder.
 */
function certificateCodeFor(commandId: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = createHash('sha256').update(`certificate:${commandId}`).digest();
  return `TIP-${[...bytes.subarray(0, 12)].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

export const issueCertificate = defineCommand({
  name: 'IssueCertificate',
  description:
    'Certifies a teacher who met the rulebook (hours in every category and in total, and a passing grade where ' +
    "practice is graded) with one of the rulebook's certificate kinds (`kind`; default its only one: Ningde " +
    "issues two proofs); the server draws the certificate's public code. Sent by system or an admin of the " +
    'level the rulebook names for that kind (Jiangsu: the school; Lianyungang and Ningde: the city; Yueyang: ' +
    "the county or city), over the record's school; another level is refused (403). A teacher holding a valid " +
    'certificate of the kind gets nothing more. Refuses UNKNOWN_BATCH, UNKNOWN_TEACHER, SCHOOL_CLOSED, NOT_ENROLLED, UNKNOWN_CERTIFICATE_KIND, ' +
    'BATCH_ENDED, REQUIREMENTS_NOT_MET.',
  schema: z
    .object({ ...onRecord, kind: text(50).optional() })
    .strict()
    .transform((data) => ({ ...data, certificateCode: '' })),
  roles: ['school-admin', 'county-admin', 'city-admin', 'province-admin'],
  scope: recordScope,
  complete: async (data, { commandId }) => ({ ...data, certificateCode: certificateCodeFor(commandId) }),
  decision: issueCertificateDecision,
});

export const revokeCertificate = defineCommand({
  name: 'RevokeCertificate',
  description:
    'Revokes a certificate by its code (a mistake or fraud found later). Sent by system or a province-admin ' +
    "over the certificate's school; revoking twice appends nothing. Refuses SCHOOL_CLOSED, NOT_FOUND.",
  schema: z.object({ certificateCode, reason: text(2000) }).strict(),
  roles: ['province-admin'],
  scope: (data) =>
    foundIn({ certificate: one(certificateStream, certificateStreamId(data.certificateCode)) }, (roles, read) => {
      const certificate = read(roles.certificate);
      return certificate.status === 'not-issued' ? undefined : certificate.schoolId;
    }),
  decision: revokeCertificateDecision,
});

export const transferTeacher = defineCommand({
  name: 'TransferTeacher',
  description:
    'Moves a teacher to another school; each open record follows them with its seat (released at the old ' +
    'school, taken at the new). Sent by system or an admin of both schools’ common ancestor. Refuses ' +
    'UNKNOWN_TEACHER, UNKNOWN_SCHOOL, SCHOOL_CLOSED (either school), NO_SEAT_LEFT (at the new school).',
  schema: z.object({ teacherId: identifier, toSchoolId: identifier }).strict(),
  roles: ['province-admin', 'city-admin', 'county-admin'],
  scope: (data) =>
    foundIn(
      {
        teacher: one(teacherStream, teacherStreamId(data.teacherId)),
        toSchool: one(orgUnitStream, orgUnitStreamId(data.toSchoolId)),
      },
      (roles, read) => {
        const teacher = read(roles.teacher);
        const school = read(roles.toSchool);
        if (teacher.status !== 'registered' || school.status !== 'registered') return undefined;
        return commonAncestor(teacher.ancestry, [...school.ancestry, school.unitId]);
      },
    ),
  decision: transferTeacherDecision,
});
