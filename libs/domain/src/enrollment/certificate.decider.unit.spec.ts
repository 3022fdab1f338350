import { specFor } from '../shared/given-when-then';
import { EnrollmentCommand } from './enrollment.commands';
import {
  cityAdmin,
  countyAdmin,
  enrollmentAfter,
  enrollmentWorld,
  schoolAdmin,
  StreamEvent,
} from './enrollment.spec-fixtures';
import { currentCertificate, hasCertificate, hoursCredited, overallGrade } from './enrollment.state';

describe('Certificate', () => {
  describe('with the Jiangsu rulebook (≥25 online + ≥25 offline = 50, and a pass or better)', () => {
    const js = enrollmentWorld('jiangsu-2.0', { closedSchools: ['S2'] });
    const given = specFor(js.decider);
    const at = '2021-06-05T10:00:00+08:00';
    const enrolled = [
      js.seats('S1', 5),
      ...js.enrolled('T1', '2020-11-02T09:00:00+08:00'),
      js.selected('T1', ['A1'], '2020-11-03T09:00:00+08:00'),
    ];
    const hoursMet = [
      ...enrolled,
      js.onlineRecorded('T1', 'R1', 25, '2020-11-20T09:00:00+08:00'),
      js.submitted('T1', 'A1', 'ev-1', '2021-03-01T09:00:00+08:00'),
      js.reviewed('T1', 'V-7', '好', '2021-03-02T09:00:00+08:00'),
      js.offlineRecorded('T1', 'offline', 25, '2021-06-02T09:00:00+08:00'),
    ];
    const graded = (grade: 'fail' | 'pass' | 'excellent'): StreamEvent =>
      js.assessed('T1', 'A1', ['ev-1'], { grade, pointGrade: grade, overallGrade: grade }, '2021-05-01T09:00:00+08:00');
    const passed = [...hoursMet, graded('pass')];
    const certified = js.issued('T1', 'JS-2021-000001', at, {
      hours: { online: 25, offline: 25 },
      totalHours: 50,
      grade: 'pass',
    });

    describe('when requirements are not met', () => {
      it('refuses, naming each missing category, the total and the grade (REQUIREMENTS_NOT_MET)', () => {
        given(...enrolled)
          .when(js.issue('T1', 'JS-2021-000001', at))
          .thenRefuses('REQUIREMENTS_NOT_MET', {
            missing: [
              { requirement: 'hours', category: 'online', required: 25, credited: 0 },
              { requirement: 'hours', category: 'offline', required: 25, credited: 0 },
              { requirement: 'hours', category: 'total', required: 50, credited: 0 },
              { requirement: 'grade', required: ['pass', 'excellent'], grade: null },
            ],
          });
      });

      it('refuses hours without a grade (REQUIREMENTS_NOT_MET)', () => {
        given(...hoursMet)
          .when(js.issue('T1', 'JS-2021-000001', at))
          .thenRefuses('REQUIREMENTS_NOT_MET', { missing: [{ requirement: 'grade', grade: null }] });
      });

      it('refuses a failed teacher (REQUIREMENTS_NOT_MET)', () => {
        given(...hoursMet, graded('fail'))
          .when(js.issue('T1', 'JS-2021-000001', at))
          .thenRefuses('REQUIREMENTS_NOT_MET', { missing: [{ requirement: 'grade', grade: 'fail' }] });
      });

      it('refuses a pass with offline hours short (REQUIREMENTS_NOT_MET)', () => {
        given(...hoursMet, js.offlineRecorded('T1', 'offline', 20, at), graded('pass'))
          .when(js.issue('T1', 'JS-2021-000001', at))
          .thenRefuses('REQUIREMENTS_NOT_MET', {
            missing: [
              { requirement: 'hours', category: 'offline', required: 25, credited: 20 },
              { requirement: 'hours', category: 'total', required: 50, credited: 45 },
            ],
          });
      });
    });

    describe('when requirements are met', () => {
      it('issues the certificate with the code the application generated, hours and grade', () => {
        given(...passed)
          .when(js.issue('T1', 'JS-2021-000001', at))
          .then(...certified);
      });

      it('issues an excellent teacher’s certificate as excellent', () => {
        given(...hoursMet, graded('excellent'))
          .when(js.issue('T1', 'JS-2021-000001', at))
          .then(
            ...js.issued('T1', 'JS-2021-000001', at, {
              hours: { online: 25, offline: 25 },
              totalHours: 50,
              grade: 'excellent',
            }),
          );
      });

      it('refuses a withdrawn teacher (NOT_ENROLLED)', () => {
        given(...passed, ...js.withdrawn('T1', '调离', at))
          .when(js.issue('T1', 'JS-2021-000001', at))
          .thenRefuses('NOT_ENROLLED');
      });

      it('refuses at a closed school (SCHOOL_CLOSED)', () => {
        const closedWorld = enrollmentWorld('jiangsu-2.0', { closedSchools: ['S1'] });
        specFor(closedWorld.decider)(...passed)
          .when(closedWorld.issue('T1', 'JS-2021-000001', at))
          .thenRefuses('SCHOOL_CLOSED');
      });

      it('names the school the teacher moved to', () => {
        given(...passed, ...js.transferred('T1', 'S1', 'S3', at))
          .when(js.issue('T1', 'JS-2021-000001', at))
          .then(
            ...js.issued('T1', 'JS-2021-000001', at, {
              hours: { online: 25, offline: 25 },
              totalHours: 50,
              grade: 'pass',
              schoolId: 'S3',
            }),
          );
      });
    });

    describe('when issued', () => {
      it('appends nothing when issued again, whatever code the application generated', () => {
        given(...passed, ...certified)
          .when(js.issue('T1', 'JS-2021-000002', at))
          .thenNothingHappens();
      });

      it('is revoked', () => {
        given(...passed, ...certified)
          .when(js.revoke('JS-2021-000001', '材料造假', at))
          .then(...js.revoked('T1', 'JS-2021-000001', '材料造假', at));
      });

      it('refuses an unknown code (NOT_FOUND)', () => {
        given(...passed, ...certified)
          .when(js.revoke('JS-2021-999999', '材料造假', at))
          .thenRefuses('NOT_FOUND', { certificateCode: 'JS-2021-999999' });
      });

      it('refuses revocation at a closed school (SCHOOL_CLOSED)', () => {
        const closedWorld = enrollmentWorld('jiangsu-2.0', { closedSchools: ['S1'] });
        specFor(closedWorld.decider)(...passed, ...certified)
          .when(closedWorld.revoke('JS-2021-000001', '材料造假', at))
          .thenRefuses('SCHOOL_CLOSED', { schoolId: 'S1' });
      });
    });

    describe('when revoked', () => {
      const revoked = [...passed, ...certified, ...js.revoked('T1', 'JS-2021-000001', '学时录入有误', at)];
      const later = '2021-06-20T10:00:00+08:00';

      it('appends nothing when revoked again', () => {
        given(...revoked)
          .when(js.revoke('JS-2021-000001', '学时录入有误', later))
          .thenNothingHappens();
      });

      it('issues a new certificate under a new code once the requirements hold', () => {
        given(...revoked)
          .when(js.issue('T1', 'JS-2021-000002', later))
          .then(
            ...js.issued('T1', 'JS-2021-000002', later, {
              hours: { online: 25, offline: 25 },
              totalHours: 50,
              grade: 'pass',
            }),
          );
      });

      it('keeps the old code revoked after a new one is issued', () => {
        const reissued = [
          ...revoked,
          ...js.issued('T1', 'JS-2021-000002', later, {
            hours: { online: 25, offline: 25 },
            totalHours: 50,
            grade: 'pass',
          }),
        ];
        given(...reissued)
          .when(js.revoke('JS-2021-000001', '再次', later))
          .thenNothingHappens();
        const state = enrollmentAfter(reissued, js.stream('T1'));
        expect(currentCertificate(state)?.certificateCode).toBe('JS-2021-000002');
      });
    });

    it('refuses a code no enrollment holds (NOT_FOUND)', () => {
      given()
        .when(js.revoke('JS-2021-000001', '材料造假', at))
        .thenRefuses('NOT_FOUND');
    });
  });

  describe('with the Lianyungang rulebook (30 online + 90 + 20, no graded practice)', () => {
    const lyg = enrollmentWorld('lianyungang-1.0');
    const at = '2018-06-01T09:00:00+08:00';
    const studied = [
      lyg.seats('S1', 1),
      ...lyg.enrolled('T1', '2016-03-15T09:00:00+08:00'),
      lyg.onlineRecorded('T1', 'JSJS-1', 30, '2016-04-01T09:00:00+08:00'),
      lyg.offlineRecorded('T1', 'application-integration', 90, '2017-06-01T09:00:00+08:00'),
    ];

    it('refuses with the practice hours missing (REQUIREMENTS_NOT_MET)', () => {
      specFor(lyg.decider)(...studied)
        .when(lyg.issue('T1', 'LYG-0001', at, { as: cityAdmin }))
        .thenRefuses('REQUIREMENTS_NOT_MET', {
          missing: [
            { requirement: 'hours', category: 'practice', required: 20, credited: 0 },
            { requirement: 'hours', category: 'total', required: 140, credited: 120 },
          ],
        });
    });

    it('certifies on the hours of both levels alone (省市两级培训均合格), with no grade', () => {
      specFor(lyg.decider)(...studied, lyg.offlineRecorded('T1', 'practice', 20, '2017-09-01T09:00:00+08:00'))
        .when(lyg.issue('T1', 'LYG-0001', at, { as: cityAdmin }))
        .then(
          ...lyg.issued('T1', 'LYG-0001', at, {
            hours: { online: 30, 'application-integration': 90, practice: 20 },
            totalHours: 140,
            grade: null,
          }),
        );
    });
  });

  describe('with the Ningde rulebook (50 online + 30 practice, and the practice assessed)', () => {
    const nd = enrollmentWorld('ningde-1.0');
    const at = '2017-10-01T09:00:00+08:00';
    const studied = [
      nd.seats('S1', 1),
      ...nd.enrolled('T1', '2016-04-05T09:00:00+08:00'),
      nd.onlineRecorded('T1', 'FJ-1', 50, '2016-06-01T09:00:00+08:00'),
      nd.submitted('T1', '教学实践', 'nd-ev-1', '2016-09-01T09:00:00+08:00'),
      nd.offlineRecorded('T1', 'practice', 30, '2016-10-01T09:00:00+08:00'),
    ];

    it('refuses before the practice is assessed (REQUIREMENTS_NOT_MET)', () => {
      specFor(nd.decider)(...studied)
        .when(nd.issue('T1', 'ND-0001', at, { kind: 'online-proof', as: cityAdmin }))
        .thenRefuses('REQUIREMENTS_NOT_MET', { missing: [{ requirement: 'grade', grade: null }] });
    });

    const assessed = [
      ...studied,
      nd.assessed('T1', '教学实践', ['nd-ev-1'], { grade: 'pass', pointGrade: 'pass', overallGrade: 'pass' }, at),
    ];

    it('issues, once 80 hours and a pass are in, the 50-hour online proof', () => {
      specFor(nd.decider)(...assessed)
        .when(nd.issue('T1', 'ND-0001', at, { kind: 'online-proof', as: cityAdmin }))
        .then(
          ...nd.issued('T1', 'ND-0001', at, {
            kind: 'online-proof',
            hours: { online: 50 },
            totalHours: 50,
            grade: 'pass',
          }),
        );
    });

    it('issues the 30-hour practice proof beside it', () => {
      const onlineProof = nd.issued('T1', 'ND-0001', at, {
        kind: 'online-proof',
        hours: { online: 50 },
        totalHours: 50,
        grade: 'pass',
      });
      specFor(nd.decider)(...assessed, ...onlineProof)
        .when(nd.issue('T1', 'ND-0002', at, { kind: 'practice-proof', as: cityAdmin }))
        .then(
          ...nd.issued('T1', 'ND-0002', at, {
            kind: 'practice-proof',
            hours: { practice: 30 },
            totalHours: 30,
            grade: 'pass',
          }),
        );
      specFor(nd.decider)(...assessed, ...onlineProof)
        .when(nd.issue('T1', 'ND-0003', at, { kind: 'online-proof', as: cityAdmin }))
        .thenNothingHappens();
    });

    it('asks which proof when none is named (UNKNOWN_CERTIFICATE_KIND)', () => {
      specFor(nd.decider)(...assessed)
        .when(nd.issue('T1', 'ND-0001', at, { as: cityAdmin }))
        .thenRefuses('UNKNOWN_CERTIFICATE_KIND', { kind: null, kinds: ['online-proof', 'practice-proof'] });
    });
  });

  describe('with the Yueyang rulebook (60 workshop + 10 + 10, and the points assessed)', () => {
    const yy = enrollmentWorld('yueyang-2.0');
    const at = '2021-12-20T09:00:00+08:00';
    const studied = [
      yy.seats('S1', 1),
      ...yy.enrolled('T1', '2021-06-02T09:00:00+08:00'),
      yy.selected('T1', ['B1', 'C2'], '2021-06-03T09:00:00+08:00'),
      yy.onlineRecorded('T1', 'YY-1', 40, '2021-07-01T09:00:00+08:00'),
      yy.onlineRecorded('T1', 'YY-2', 20, '2021-08-01T09:00:00+08:00'),
      yy.offlineRecorded('T1', 'school-based', 10, '2021-11-01T09:00:00+08:00'),
      yy.offlineRecorded('T1', 'school-based-assessment', 10, '2021-11-01T09:00:00+08:00'),
      yy.submitted('T1', 'B1', 'yy-ev-1', '2021-10-01T09:00:00+08:00'),
      yy.submitted('T1', 'C2', 'yy-ev-2', '2021-10-01T09:00:00+08:00'),
      yy.assessed(
        'T1',
        'B1',
        ['yy-ev-1'],
        { grade: 'excellent', pointGrade: 'excellent', overallGrade: null },
        '2021-11-10T09:00:00+08:00',
      ),
    ];

    it('refuses while a chosen point is unassessed (REQUIREMENTS_NOT_MET)', () => {
      specFor(yy.decider)(...studied)
        .when(yy.issue('T1', 'YY-0001', at, { as: countyAdmin }))
        .thenRefuses('REQUIREMENTS_NOT_MET', { missing: [{ requirement: 'grade', grade: null }] });
    });

    it('certifies 80 hours once every point is assessed', () => {
      specFor(yy.decider)(
        ...studied,
        yy.assessed('T1', 'C2', ['yy-ev-2'], { grade: 'pass', pointGrade: 'pass', overallGrade: 'pass' }, at),
      )
        .when(yy.issue('T1', 'YY-0001', at, { as: countyAdmin }))
        .then(
          ...yy.issued('T1', 'YY-0001', at, {
            hours: { workshop: 60, 'school-based': 10, 'school-based-assessment': 10 },
            totalHours: 80,
            credits: 80,
            grade: 'pass',
          }),
        );
    });
  });
});

describe('A Jiangsu teacher’s year, command by command', () => {
  const js = enrollmentWorld('jiangsu-2.0', { schoolFinishedAt: { S1: '2021-06-01T12:00:00+08:00' } });
  const admin = schoolAdmin('S1');

  it('goes from enrollment to certificate through the decisions alone', () => {
    const commands: EnrollmentCommand[] = [
      js.enroll('T1', '2020-11-02T09:00:00+08:00'),
      js.confirm('T1', '2020-11-02T20:00:00+08:00'),
      js.select('T1', ['A1', 'B2'], '2020-11-03T09:00:00+08:00'),
      js.online('T1', 'R1', 12.5, '2020-11-10T09:00:00+08:00'),
      js.online('T1', 'R1', 12.5, '2020-11-10T09:05:00+08:00'),
      js.online('T1', 'R2', 12.5, '2020-11-25T09:00:00+08:00'),
      js.submit('T1', 'A1', 'ev-a1', '2021-03-01T09:00:00+08:00'),
      js.submit('T1', 'B2', 'ev-b2', '2021-03-02T09:00:00+08:00'),
      js.sendBack('T1', 'B2', '视频未露脸', '2021-03-05T09:00:00+08:00'),
      js.submit('T1', 'B2', 'ev-b2-v2', '2021-03-08T09:00:00+08:00'),
      js.review('T1', 'V-7', '值得借鉴', '2021-03-09T09:00:00+08:00'),
      js.assess('T1', 'excellent', '2021-04-01T09:00:00+08:00', 'A1'),
      js.assess('T1', 'pass', '2021-04-01T09:10:00+08:00'),
      js.offline('T1', 25, '2021-06-03T09:00:00+08:00'),
      js.issue('T1', 'JS-2021-000042', '2021-06-05T09:00:00+08:00'),
    ];
    let world = js.decider.evolve(js.decider.initialState(), js.seats('S1', 1));
    const appended: string[] = [];
    for (const command of commands) {
      for (const event of js.decider.decide(command, world)) {
        world = js.decider.evolve(world, event);
        appended.push(event.event.type);
      }
    }
    expect(appended).toEqual([
      'TeacherEnrolled',
      'SeatTaken',
      'TeacherJoinedBatch',
      'EnrollmentConfirmed',
      'AbilityPointsSelected',
      'OnlineHoursRecorded',
      'OnlineHoursRecorded',
      'PracticeEvidenceSubmitted',
      'PracticeEvidenceSubmitted',
      'EvidenceReturned',
      'PracticeEvidenceSubmitted',
      'PeerReviewRecorded',
      'PracticeAssessed',
      'PracticeAssessed',
      'OfflineHoursRecorded',
      'CertificateIssued',
      'CertificateIssued',
    ]);
    const record = js.recordOf(world, 'T1');
    expect(hoursCredited(record)).toEqual({ online: 25, offline: 25 });
    expect(overallGrade(record)).toBe('pass');
    expect(hasCertificate(record)).toBe(true);
    expect(record.status !== 'not-enrolled' && record.offlineHours[0].recordedBy).toEqual({
      sub: admin.sub,
      role: 'school-admin',
    });
  });
});
