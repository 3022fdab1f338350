import { specFor } from '../shared/given-when-then';
import { RuleViolation } from '../shared/rule-violation';
import { batchEvolver } from '../programme/batch';
import { initialQuotaLedger } from '../quota/quota.ledger';
import { EnrollTeacher } from './enrollment.commands';
import { decideEnrollTeacher, decideTransferTeacher } from './enrollment.decider';
import { enrollmentAfter, enrollmentWorld } from './enrollment.spec-fixtures';
import { initialEnrollment, seatLedgerStreamId } from './enrollment.state';

const ENROLLED_AT = '2020-11-02T09:00:00+08:00';
const LATER = '2020-11-03T10:00:00+08:00';

describe('Enrollment', () => {
  const js = enrollmentWorld('jiangsu-2.0', { closedSchools: ['S3'], schools: ['S1', 'S2', 'S3'] });
  const given = specFor(js.decider);
  const withSeats = [js.seats('S1', 2), js.seats('S2', 1), js.seats('S3', 5)];

  describe('when the teacher is not enrolled', () => {
    it('enrolls the teacher and takes a seat of the school, together', () => {
      given(...withSeats)
        .when(js.enroll('T1', ENROLLED_AT))
        .then(...js.enrolled('T1', ENROLLED_AT));
    });

    it('copies the hours rule of the batch into the record', () => {
      const [enrolled] = js.enrolled('T1', ENROLLED_AT);
      expect(enrolled.event).toMatchObject({ type: 'TeacherEnrolled' });
      expect(enrolled.event.data).toHaveProperty('rules', {
        hours: js.rulebook.hours,
        onlineCategoryId: 'online',
        practiceGraded: true,
        certificateKinds: ['hours'],
        creditsPerHour: null,
      });
    });

    it('enrolls in a later period with that period’s seats', () => {
      given(js.seats('S1', 1, 'P2'))
        .when(js.enroll('T1', '2020-12-01T09:00:00+08:00', { periodId: 'P2' }))
        .then(...js.enrolled('T1', '2020-12-01T09:00:00+08:00', { periodId: 'P2' }));
    });

    it('refuses when every seat of the period is taken (NO_SEAT_LEFT)', () => {
      given(...withSeats, ...js.enrolled('T1', ENROLLED_AT), ...js.enrolled('T2', ENROLLED_AT))
        .when(js.enroll('T3', LATER))
        .thenRefuses('NO_SEAT_LEFT', { schoolId: 'S1', left: 0 });
    });

    it('refuses when the school has seats only in another period (NO_SEAT_LEFT)', () => {
      given(js.seats('S1', 3, 'P2'))
        .when(js.enroll('T1', ENROLLED_AT))
        .thenRefuses('NO_SEAT_LEFT');
    });

    it('refuses a teacher registered at no school (UNKNOWN_TEACHER)', () => {
      given(...withSeats)
        .when(js.enroll('T-404', ENROLLED_AT))
        .thenRefuses('UNKNOWN_TEACHER', { teacherId: 'T-404' });
    });

    it('refuses an unknown period (UNKNOWN_PERIOD)', () => {
      given(...withSeats)
        .when(js.enroll('T1', ENROLLED_AT, { periodId: 'P9' }))
        .thenRefuses('UNKNOWN_PERIOD', { periods: ['P1', 'P2', 'P3'] });
    });

    it('refuses a batch that is not scheduled (UNKNOWN_BATCH)', () => {
      const command: EnrollTeacher = js.enroll('T1', ENROLLED_AT);
      const unscheduled = {
        enrollment: initialEnrollment(),
        batch: batchEvolver.initialState(),
        schoolClosed: false,
        teacher: {
          status: 'registered' as const,
          teacherId: 'T1',
          schoolId: 'S1',
          gender: 'male' as const,
          fullTime: true,
        },
        seatLedger: initialQuotaLedger(),
      };
      expect(() => decideEnrollTeacher(command, unscheduled)).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_BATCH' }),
      );
    });

    it('refuses a teacher of a closed school before anything else (SCHOOL_CLOSED)', () => {
      const closedSchool = enrollmentWorld('jiangsu-2.0', { closedSchools: ['S1'] });
      specFor(closedSchool.decider)()
        .when(closedSchool.enroll('T1', ENROLLED_AT, { periodId: 'P9' }))
        .thenRefuses('SCHOOL_CLOSED', { schoolId: 'S1' });
    });

    it('refuses confirming, withdrawing or anything else (NOT_ENROLLED)', () => {
      given(...withSeats)
        .when(js.confirm('T1', LATER))
        .thenRefuses('NOT_ENROLLED', { status: 'not-enrolled' });
      given(...withSeats)
        .when(js.withdraw('T1', '调离', LATER))
        .thenRefuses('NOT_ENROLLED');
    });

    it('refuses a record command naming a teacher nobody registered (UNKNOWN_TEACHER)', () => {
      given(...withSeats)
        .when(js.confirm('T-404', LATER))
        .thenRefuses('UNKNOWN_TEACHER', { teacherId: 'T-404' });
      given(...withSeats)
        .when(js.offline('T-404', 10, LATER))
        .thenRefuses('UNKNOWN_TEACHER');
    });

    it('refuses a record command naming a batch nobody scheduled (UNKNOWN_BATCH)', () => {
      const command = js.withdraw('T1', '调离', LATER);
      given(...withSeats)
        .when({ ...command, data: { ...command.data, batchId: 'B-404' } })
        .thenRefuses('UNKNOWN_BATCH', { batchId: 'B-404' });
    });

    it('moves only the teacher on a transfer', () => {
      given(...withSeats)
        .when(js.transfer('T1', 'S2', LATER))
        .then(js.moved('T1', 'S2'));
    });
  });

  describe('when enrolled', () => {
    const enrolled = [...withSeats, ...js.enrolled('T1', ENROLLED_AT)];

    it('appends nothing for the same enrollment retried', () => {
      given(...enrolled)
        .when(js.enroll('T1', LATER))
        .thenNothingHappens();
    });

    it('appends nothing for a retry even when the seats have run out since', () => {
      given(...enrolled, ...js.enrolled('T2', ENROLLED_AT))
        .when(js.enroll('T1', LATER))
        .thenNothingHappens();
    });

    it('refuses enrolling again in another period (ALREADY_ENROLLED)', () => {
      given(...enrolled, js.seats('S1', 1, 'P2'))
        .when(js.enroll('T1', LATER, { periodId: 'P2' }))
        .thenRefuses('ALREADY_ENROLLED', { periodId: 'P1', schoolId: 'S1' });
    });

    it('is confirmed by the teacher', () => {
      given(...enrolled)
        .when(js.confirm('T1', LATER))
        .then(js.confirmed('T1', LATER));
    });

    it('is withdrawn by the school, releasing the seat', () => {
      given(...enrolled)
        .when(js.withdraw('T1', '长期病假', LATER))
        .then(...js.withdrawn('T1', '长期病假', LATER));
    });

    it('gives the released seat to another teacher', () => {
      given(...enrolled, ...js.enrolled('T2', ENROLLED_AT), ...js.withdrawn('T1', '长期病假', LATER))
        .when(js.enroll('T3', LATER))
        .then(...js.enrolled('T3', LATER));
    });

    it('names the ledger holding the seat', () => {
      expect(seatLedgerStreamId(enrollmentAfter(enrolled, js.stream('T1')))).toBe('quota-JS-2020-1:P1:S1');
      expect(seatLedgerStreamId(initialEnrollment())).toBeUndefined();
    });
  });

  describe('when confirmed', () => {
    const confirmed = [...withSeats, ...js.enrolled('T1', ENROLLED_AT), js.confirmed('T1', LATER)];

    it('appends nothing when confirmed again', () => {
      given(...confirmed)
        .when(js.confirm('T1', '2020-11-04T10:00:00+08:00'))
        .thenNothingHappens();
    });

    it('is withdrawn like an unconfirmed enrollment', () => {
      given(...confirmed)
        .when(js.withdraw('T1', '调离', '2020-11-05T10:00:00+08:00'))
        .then(...js.withdrawn('T1', '调离', '2020-11-05T10:00:00+08:00'));
    });
  });

  describe('when withdrawn', () => {
    const withdrawn = [...withSeats, ...js.enrolled('T1', ENROLLED_AT), ...js.withdrawn('T1', '长期病假', LATER)];

    it('appends nothing when withdrawn again', () => {
      given(...withdrawn)
        .when(js.withdraw('T1', '长期病假', LATER))
        .thenNothingHappens();
    });

    it('refuses confirming (NOT_ENROLLED)', () => {
      given(...withdrawn)
        .when(js.confirm('T1', LATER))
        .thenRefuses('NOT_ENROLLED', { status: 'withdrawn' });
    });

    it('enrolls the teacher again, with a fresh record and a new seat', () => {
      const again = '2020-11-10T09:00:00+08:00';
      given(...withdrawn)
        .when(js.enroll('T1', again))
        .then(...js.enrolled('T1', again, { rejoining: true }));
    });

    it('moves only the teacher on a transfer: a withdrawn record stays', () => {
      given(...withdrawn)
        .when(js.transfer('T1', 'S2', LATER))
        .then(js.moved('T1', 'S2'));
    });
  });

  describe('when the school has closed (结项)', () => {
    const atClosed = [...withSeats, ...js.enrolled('T3', ENROLLED_AT, { schoolId: 'S3' })];
    const closedWorld = enrollmentWorld('jiangsu-2.0', {
      closedSchools: ['S3'],
      teachers: { T3: { schoolId: 'S3', gender: 'female', fullTime: true, birthDate: '1990-01-01' } },
    });
    const givenClosed = specFor(closedWorld.decider);

    it('refuses enrolling its teachers (SCHOOL_CLOSED)', () => {
      givenClosed(...withSeats)
        .when(closedWorld.enroll('T3', ENROLLED_AT))
        .thenRefuses('SCHOOL_CLOSED', { schoolId: 'S3', batchId: 'JS-2020-1' });
    });

    it('refuses confirming and withdrawing (SCHOOL_CLOSED)', () => {
      givenClosed(...atClosed)
        .when(closedWorld.confirm('T3', LATER))
        .thenRefuses('SCHOOL_CLOSED');
      givenClosed(...atClosed)
        .when(closedWorld.withdraw('T3', '调离', LATER))
        .thenRefuses('SCHOOL_CLOSED');
    });

    it('refuses even a retried withdrawal (SCHOOL_CLOSED is checked first)', () => {
      givenClosed(...atClosed, ...closedWorld.withdrawn('T3', '调离', LATER))
        .when(closedWorld.withdraw('T3', '调离', LATER))
        .thenRefuses('SCHOOL_CLOSED');
    });
  });

  describe('when the teacher transfers (the record follows the teacher)', () => {
    const enrolled = [...withSeats, ...js.enrolled('T1', ENROLLED_AT), js.confirmed('T1', LATER)];
    const at = '2020-11-20T10:00:00+08:00';

    it('moves the enrollment to the new school: seat released at the old, taken at the new', () => {
      given(...enrolled)
        .when(js.transfer('T1', 'S2', at))
        .then(...js.transferred('T1', 'S1', 'S2', at));
    });

    it('keeps hours, points and status, and changes the school', () => {
      const history = [
        ...enrolled,
        js.selected('T1', ['A1'], LATER),
        js.onlineRecorded('T1', 'R1', 10, LATER),
        ...js.transferred('T1', 'S1', 'S2', at),
      ];
      const state = enrollmentAfter(history, js.stream('T1'));
      expect(state).toMatchObject({
        status: 'confirmed',
        schoolId: 'S2',
        abilityPoints: { points: ['A1'] },
        onlineHours: [{ recordId: 'R1', hours: 10 }],
        transfers: [{ fromSchoolId: 'S1', toSchoolId: 'S2', transferredAt: at }],
      });
      expect(seatLedgerStreamId(state)).toBe('quota-JS-2020-1:P1:S2');
    });

    it('appends nothing when transferred again to the same school', () => {
      given(...enrolled, ...js.transferred('T1', 'S1', 'S2', at))
        .when(js.transfer('T1', 'S2', at))
        .thenNothingHappens();
    });

    it('refuses when the new school has no seat left (NO_SEAT_LEFT)', () => {
      given(...enrolled, ...js.enrolled('T4', ENROLLED_AT))
        .when(js.transfer('T1', 'S2', at))
        .thenRefuses('NO_SEAT_LEFT', { schoolId: 'S2' });
    });

    it('refuses an unknown school (UNKNOWN_SCHOOL)', () => {
      given(...enrolled)
        .when(js.transfer('T1', 'S-404', at))
        .thenRefuses('UNKNOWN_SCHOOL', { teacherId: 'T1' });
    });

    it('refuses a move into a closed school (SCHOOL_CLOSED)', () => {
      given(...enrolled)
        .when(js.transfer('T1', 'S3', at))
        .thenRefuses('SCHOOL_CLOSED', { schoolId: 'S3' });
    });

    it('refuses a move out of a closed school (SCHOOL_CLOSED)', () => {
      const closedWorld = enrollmentWorld('jiangsu-2.0', { closedSchools: ['S1'] });
      specFor(closedWorld.decider)(...enrolled)
        .when(closedWorld.transfer('T1', 'S2', at))
        .thenRefuses('SCHOOL_CLOSED', { schoolId: 'S1' });
    });

    it('leaves a certified enrollment with its school, even a closed one', () => {
      const closedWorld = enrollmentWorld('jiangsu-2.0', { closedSchools: ['S1'] });
      const certified = closedWorld.issued('T1', 'JS-0001', at, {
        hours: { online: 25, offline: 25 },
        totalHours: 50,
        grade: 'pass',
      });
      specFor(closedWorld.decider)(...enrolled, ...certified)
        .when(closedWorld.transfer('T1', 'S2', at))
        .then(closedWorld.moved('T1', 'S2'));
    });

    it('refuses a school that is not a school (UNKNOWN_SCHOOL)', () => {
      const enrollment = enrollmentAfter(enrolled, js.stream('T1'));
      const decide = () =>
        decideTransferTeacher(js.transfer('T1', 'C-32', at), {
          enrollment,
          fromSchoolClosed: false,
          toSchoolClosed: false,
          toSchool: { status: 'registered', unitId: 'C-32', kind: 'county' },
          fromSeatLedger: initialQuotaLedger(),
          toSeatLedger: initialQuotaLedger(),
        });
      expect(decide).toThrow(RuleViolation);
      expect(decide).toThrow(expect.objectContaining({ code: 'UNKNOWN_SCHOOL' }));
    });
  });

  describe('with the Ningde rulebook (距退休不满五年的教师不作培训要求)', () => {
    // Men retire at 60, women at 55 (retirementAgeSource); exempt when fewer than 5 years remain.
    const nd = enrollmentWorld('ningde-1.0', {
      teachers: {
        man1961: { schoolId: 'S1', gender: 'male', fullTime: true, birthDate: '1961-04-05' },
        woman1966: { schoolId: 'S1', gender: 'female', fullTime: true, birthDate: '1966-04-05' },
        man1964: { schoolId: 'S1', gender: 'male', fullTime: true, birthDate: '1964-03-01' },
        woman1964: { schoolId: 'S1', gender: 'female', fullTime: true, birthDate: '1964-03-01' },
      },
    });
    const givenNd = specFor(nd.decider);
    const seats = nd.seats('S1', 10);

    it('enrolls a man with exactly five years left (retires 2021-04-05, enrolled 2016-04-05)', () => {
      givenNd(seats)
        .when(nd.enroll('man1961', '2016-04-05T23:59:00+08:00'))
        .then(...nd.enrolled('man1961', '2016-04-05T23:59:00+08:00'));
    });

    it('refuses the same man a day later (EXEMPT_TEACHER)', () => {
      givenNd(seats)
        .when(nd.enroll('man1961', '2016-04-06T00:00:00+08:00'))
        .thenRefuses('EXEMPT_TEACHER', { teacherId: 'man1961', yearsBeforeRetirement: 5 });
    });

    it('counts a woman’s retirement at 55', () => {
      givenNd(seats)
        .when(nd.enroll('woman1966', '2016-04-06T09:00:00+08:00'))
        .thenRefuses('EXEMPT_TEACHER', { teacherId: 'woman1966' });
    });

    it('exempts a woman but not a man born the same day', () => {
      const at = '2016-05-01T09:00:00+08:00';
      givenNd(seats).when(nd.enroll('woman1964', at)).thenRefuses('EXEMPT_TEACHER', { teacherId: 'woman1964' });
      givenNd(seats)
        .when(nd.enroll('man1964', at))
        .then(...nd.enrolled('man1964', at));
    });

    it('keeps the birth date out of the refusal', () => {
      try {
        nd.decider.decide(nd.enroll('woman1964', '2016-05-01T09:00:00+08:00'), nd.decider.initialState());
        throw new Error('expected a refusal');
      } catch (error) {
        expect(JSON.stringify((error as RuleViolation).details)).not.toContain('1964-03-01');
      }
    });

    it('needs the birth date from the application', () => {
      const teacher = {
        status: 'registered' as const,
        teacherId: 'man1961',
        schoolId: 'S1',
        gender: 'male' as const,
        fullTime: true,
      };
      const decide = () =>
        decideEnrollTeacher(nd.enroll('man1961', '2016-04-05T09:00:00+08:00'), {
          enrollment: initialEnrollment(),
          batch: nd.batch,
          schoolClosed: false,
          teacher,
          seatLedger: initialQuotaLedger(),
        });
      expect(decide).toThrow('birth date');
    });
  });

  describe.each([
    ['jiangsu-2.0', '2020-11-02T09:00:00+08:00', '1966-01-01'],
    ['lianyungang-1.0', '2016-03-15T09:00:00+08:00', '1962-01-01'],
    ['yueyang-2.0', '2021-06-02T09:00:00+08:00', '1967-01-01'],
  ] as const)('with the %s rulebook (no exemption)', (preset, at, birthDate) => {
    const world = enrollmentWorld(preset, {
      teachers: { old: { schoolId: 'S1', gender: 'female', fullTime: true, birthDate } },
    });

    it('enrolls a woman a year or two from retiring at 55, without needing the birth date', () => {
      const command = world.enroll('old', at);
      const decision = decideEnrollTeacher(command, {
        enrollment: initialEnrollment(),
        batch: world.batch,
        schoolClosed: false,
        teacher: { status: 'registered', teacherId: 'old', schoolId: 'S1', gender: 'female', fullTime: true },
        seatLedger: { received: 1, handedOn: {}, seatHolders: [] },
      });
      expect(decision.enrollment.map((event) => event.type)).toEqual(['TeacherEnrolled']);
      expect(decision.seat.map((event) => event.type)).toEqual(['SeatTaken']);
    });
  });
});
