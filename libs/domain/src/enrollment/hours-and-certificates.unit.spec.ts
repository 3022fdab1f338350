import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { Actor } from '../shared/messages';
import { NotPermitted } from '../shared/rule-violation';
import { noticeBatch, PresetName } from '../programme/batch.spec-fixtures';
import { IssueCertificate, RecordOfflineHours } from './enrollment.commands';
import { EnrollmentEvent } from './enrollment.events';
import { actors, foldRecord, recordDecider, recordOf } from './record.spec-fixtures';
import { creditsFor, hoursCredited, isFullyCertified, totalHoursCredited } from './enrollment.state';
import { decideIssueCertificate } from './certificate.decider';
import { decideRecordOfflineHours } from './training.decider';

const offlineBy =
  (batchId: string) =>
  (actor: Actor, hours: number, at: string, category?: string): RecordOfflineHours => ({
    type: 'RecordOfflineHours',
    data: { batchId, teacherId: 'T1', hours, ...(category === undefined ? {} : { category }) },
    metadata: { now: at, actor },
  });
const issueBy =
  (batchId: string) =>
  (actor: Actor, at: string, kind?: string, certificateCode = 'CODE-1'): IssueCertificate => ({
    type: 'IssueCertificate',
    data: { batchId, teacherId: 'T1', certificateCode, ...(kind === undefined ? {} : { kind }) },
    metadata: { now: at, actor },
  });

describe('Yueyang: the county (its training institution) records workshop hours too', () => {
  const batch = noticeBatch('yueyang-2.0');
  const yy = recordOf(batch);
  const offline = offlineBy(yy.batchId);
  const at = '2021-09-15T10:00:00+08:00';
  const fedByPlatform = [yy.enrolled('2021-06-02T09:00:00+08:00'), yy.online('YY-1', 40, '2021-07-01T09:00:00+08:00')];
  const given = specFor(recordDecider(batch, decideRecordOfflineHours));

  it('lets the county record the offline sessions of the 60-hour blended workshop', () => {
    given(...fedByPlatform)
      .when(offline(actors.county('430621'), 20, at, 'workshop'))
      .then(yy.offline('workshop', 20, at, actors.county('430621')));
  });

  it('takes the workshop as the county’s only category when none is named', () => {
    given(...fedByPlatform)
      .when(offline(actors.county('430621'), 20, at))
      .then(yy.offline('workshop', 20, at, actors.county('430621')));
  });

  it('adds the county’s hours to the platform’s: 40 + 20 = 60 workshop hours', () => {
    const record = foldRecord([...fedByPlatform, yy.offline('workshop', 20, at, actors.county('430621'))]);
    expect(hoursCredited(record).workshop).toBe(60);
  });

  it('lets the city centre record them for its own schools (市直、六区培训)', () => {
    given(...fedByPlatform)
      .when(offline(actors.city('430600'), 20, at, 'workshop'))
      .then(yy.offline('workshop', 20, at, actors.city('430600')));
  });

  it('refuses the school admin the workshop (403), and the county the school-based hours (403)', () => {
    const record = fold(recordDecider(batch, decideRecordOfflineHours), fedByPlatform);
    const decide = (command: RecordOfflineHours) => () =>
      recordDecider(batch, decideRecordOfflineHours).decide(command, record);
    expect(decide(offline(actors.school(), 20, at, 'workshop'))).toThrow(NotPermitted);
    expect(decide(offline(actors.county('430621'), 10, at, 'school-based'))).toThrow(NotPermitted);
  });

  it('asks the school admin which of its two categories (UNKNOWN_HOURS_CATEGORY)', () => {
    given(...fedByPlatform)
      .when(offline(actors.school(), 10, at))
      .thenRefuses('UNKNOWN_HOURS_CATEGORY', { categories: ['school-based', 'school-based-assessment'] });
  });
});

describe('Jiangsu: offline hours are the school’s alone', () => {
  const batch = noticeBatch('jiangsu-2.0');
  const js = recordOf(batch);

  it('refuses the county (403)', () => {
    const record = foldRecord([js.enrolled('2020-11-02T09:00:00+08:00')]);
    expect(() =>
      recordDecider(batch, decideRecordOfflineHours).decide(
        offlineBy(js.batchId)(actors.county(), 25, '2021-06-01T10:00:00+08:00'),
        record,
      ),
    ).toThrow(NotPermitted);
  });
});

/** A teacher who met every requirement of the preset, ready to certify. */
function certifiable(preset: PresetName): { events: EnrollmentEvent[]; at: string; batchId: string } {
  const batch = noticeBatch(preset);
  const record = recordOf(batch);
  if (batch.status !== 'scheduled') throw new Error('scheduled');
  const start = `${batch.startsOn}T09:00:00+08:00`;
  const at = `${batch.endsOn.slice(0, 4)}-06-01T10:00:00+08:00`;
  const graded = (point: string) =>
    record.assessed(point, [], { grade: 'pass', attempt: 1, pointGrade: 'pass', overallGrade: 'pass' }, start);
  const events: Record<PresetName, EnrollmentEvent[]> = {
    'jiangsu-2.0': [
      record.enrolled(start),
      record.selected(['A1'], start),
      record.online('R1', 25, start),
      graded('A1'),
      record.offline('offline', 25, start),
    ],
    'lianyungang-1.0': [
      record.enrolled(start),
      record.online('R1', 30, start),
      record.offline('application-integration', 90, start),
      record.offline('practice', 20, start),
    ],
    'ningde-1.0': [
      record.enrolled(start),
      record.online('R1', 50, start),
      graded('教学实践'),
      record.offline('practice', 30, start),
    ],
    'yueyang-2.0': [
      record.enrolled(start),
      record.selected(['B1'], start),
      record.online('R1', 60, start),
      graded('B1'),
      record.offline('school-based', 10, start),
      record.offline('school-based-assessment', 10, start),
    ],
  };
  return { events: events[preset], at, batchId: record.batchId };
}

describe('Certificates as each notice issues them', () => {
  describe.each([
    // preset, the level that issues, a level refused, kind, the hours it states, credits
    ['jiangsu-2.0', actors.school(), actors.county(), 'hours', { online: 25, offline: 25 }, null],
    [
      'lianyungang-1.0',
      actors.city('320700'),
      actors.school(),
      'certificate',
      { online: 30, 'application-integration': 90, practice: 20 },
      null,
    ],
    ['ningde-1.0', actors.city('350900'), actors.school(), 'online-proof', { online: 50 }, null],
    ['ningde-1.0', actors.city('350900'), actors.county(), 'practice-proof', { practice: 30 }, null],
    [
      'yueyang-2.0',
      actors.county('430621'),
      actors.school(),
      'credits',
      { workshop: 60, 'school-based': 10, 'school-based-assessment': 10 },
      80,
    ],
  ] as const)('%s', (preset, issuer, refused, kind, hours, credits) => {
    const { events, at, batchId } = certifiable(preset);
    const batch = noticeBatch(preset);
    const decider = recordDecider(batch, decideIssueCertificate);
    const issue = issueBy(batchId);

    it(`issues the ${kind} by the ${issuer.role}, stating its hours${credits === null ? '' : ' and credits'}`, () => {
      const [issued] = decider.decide(issue(issuer, at, kind), fold(decider, events));
      expect(issued).toMatchObject({
        type: 'CertificateIssued',
        data: { kind, hours, totalHours: Object.values(hours).reduce((sum, each) => sum + each, 0) },
      });
      if (credits === null) expect(issued.data).not.toHaveProperty('credits');
      else expect(issued.data).toHaveProperty('credits', credits);
    });

    it(`refuses the ${refused.role} (403)`, () => {
      expect(() => decider.decide(issue(refused, at, kind), fold(decider, events))).toThrow(NotPermitted);
    });

    it('lets the system issue it (imports)', () => {
      expect(decider.decide(issue(actors.platform, at, kind), fold(decider, events))).toHaveLength(1);
    });

    it('refuses a kind the rulebook does not issue (UNKNOWN_CERTIFICATE_KIND)', () => {
      specFor(decider)(...events)
        .when(issue(issuer, at, 'diploma'))
        .thenRefuses('UNKNOWN_CERTIFICATE_KIND', { kind: 'diploma' });
    });
  });

  it('counts a Ningde teacher certified once both proofs are held', () => {
    const { events, at, batchId } = certifiable('ningde-1.0');
    const batch = noticeBatch('ningde-1.0');
    const decider = recordDecider(batch, decideIssueCertificate);
    const city = actors.city('350900');
    const first = decider.decide(issueBy(batchId)(city, at, 'online-proof', 'ND-1'), fold(decider, events));
    expect(isFullyCertified(fold(decider, [...events, ...first]))).toBe(false);
    const second = decider.decide(
      issueBy(batchId)(city, at, 'practice-proof', 'ND-2'),
      fold(decider, [...events, ...first]),
    );
    expect(isFullyCertified(fold(decider, [...events, ...first, ...second]))).toBe(true);
  });

  it('converts Yueyang’s 80 hours to 80 credits (计80学分); Jiangsu has none', () => {
    const yueyang = foldRecord(certifiable('yueyang-2.0').events);
    expect(creditsFor(yueyang, totalHoursCredited(yueyang))).toBe(80);
    const jiangsu = foldRecord(certifiable('jiangsu-2.0').events);
    expect(creditsFor(jiangsu, totalHoursCredited(jiangsu))).toBeNull();
  });
});
