import { specFor } from '../shared/given-when-then';
import { noticeBatch } from '../programme/batch.spec-fixtures';
import { AssessPractice, IssueCertificate, RecordOfflineHours, SubmitPracticeEvidence } from './enrollment.commands';
import { actors, recordDecider, recordOf } from './record.spec-fixtures';
import { decideIssueCertificate } from './certificate.decider';
import { decideAssessPractice, decideRecordOfflineHours, decideSubmitPracticeEvidence } from './training.decider';

// 2021年10月31日结束第一批次所有考核: Jiangsu batch 1 ends on 2021-10-31, China time.
const jiangsu = noticeBatch('jiangsu-2.0');
const extended = noticeBatch('jiangsu-2.0', { extendedTo: '2021-12-31' });
const js = recordOf(jiangsu);
const { batchId } = js;
const LAST_MINUTE = '2021-10-31T23:59:00+08:00';
const DAY_AFTER = '2021-11-01T00:00:00+08:00';
const DECEMBER = '2021-12-20T10:00:00+08:00';

const metadata = (now: string, actor = actors.school()) => ({ now, actor });
const assess = (now: string): AssessPractice => ({
  type: 'AssessPractice',
  data: { batchId, teacherId: 'T1', grade: 'pass' },
  metadata: metadata(now, actors.leader),
});
const offline = (now: string): RecordOfflineHours => ({
  type: 'RecordOfflineHours',
  data: { batchId, teacherId: 'T1', hours: 25 },
  metadata: metadata(now),
});
const issue = (now: string): IssueCertificate => ({
  type: 'IssueCertificate',
  data: { batchId, teacherId: 'T1', certificateCode: 'JS-0001' },
  metadata: metadata(now),
});

const submitted = [
  js.enrolled('2020-11-02T09:00:00+08:00'),
  js.selected(['A1'], '2020-11-03T09:00:00+08:00'),
  js.online('R1', 25, '2020-11-20T09:00:00+08:00'),
  js.submitted('A1', 'ev-1', '2021-09-01T09:00:00+08:00'),
  js.reviewed('V-1', '2021-09-02T09:00:00+08:00'),
];
const graded = [
  ...submitted,
  js.assessed(
    'A1',
    ['ev-1'],
    { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: 'pass' },
    '2021-10-01T09:00:00+08:00',
  ),
];
const certifiable = [...graded, js.offline('offline', 25, '2021-10-02T09:00:00+08:00')];

describe('Batches end: after the last day nothing more is assessed, credited offline or certified', () => {
  it('grades on the last day, up to midnight China time', () => {
    specFor(recordDecider(jiangsu, decideAssessPractice))(...submitted)
      .when(assess(LAST_MINUTE))
      .then(
        js.assessed(
          'A1',
          ['ev-1'],
          { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: 'pass' },
          LAST_MINUTE,
        ),
      );
  });

  it('refuses a grade the day after (BATCH_ENDED)', () => {
    specFor(recordDecider(jiangsu, decideAssessPractice))(...submitted)
      .when(assess(DAY_AFTER))
      .thenRefuses('BATCH_ENDED', { batchId, endsOn: '2021-10-31', at: DAY_AFTER });
  });

  it('refuses offline hours after the end (BATCH_ENDED)', () => {
    specFor(recordDecider(jiangsu, decideRecordOfflineHours))(...graded)
      .when(offline(DAY_AFTER))
      .thenRefuses('BATCH_ENDED', { endsOn: '2021-10-31' });
  });

  it('refuses a certificate after the end (BATCH_ENDED)', () => {
    specFor(recordDecider(jiangsu, decideIssueCertificate))(...certifiable)
      .when(issue(DAY_AFTER))
      .thenRefuses('BATCH_ENDED', { endsOn: '2021-10-31' });
  });

  it('still takes evidence after the end: only assessment, hours, certificates and closure are closed', () => {
    const late: SubmitPracticeEvidence = {
      type: 'SubmitPracticeEvidence',
      data: { batchId, teacherId: 'T1', abilityPoint: 'A1', evidenceRef: 'ev-late' },
      metadata: metadata(DAY_AFTER, actors.teacher()),
    };
    specFor(recordDecider(jiangsu, decideSubmitPracticeEvidence))(...submitted)
      .when(late)
      .then(js.submitted('A1', 'ev-late', DAY_AFTER));
  });

  describe('after the owner extended the batch to 2021-12-31 (ExtendBatch)', () => {
    it('grades, credits and certifies in December', () => {
      specFor(recordDecider(extended, decideAssessPractice))(...submitted)
        .when(assess(DECEMBER))
        .then(
          js.assessed(
            'A1',
            ['ev-1'],
            { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: 'pass' },
            DECEMBER,
          ),
        );
      specFor(recordDecider(extended, decideRecordOfflineHours))(...graded)
        .when(offline(DECEMBER))
        .then(js.offline('offline', 25, DECEMBER));
    });

    it('refuses after the new end, naming the end it was extended from (BATCH_ENDED)', () => {
      specFor(recordDecider(extended, decideIssueCertificate))(...certifiable)
        .when(issue('2022-01-01T08:00:00+08:00'))
        .thenRefuses('BATCH_ENDED', { endsOn: '2021-12-31', extendedFrom: '2021-10-31' });
    });
  });
});
