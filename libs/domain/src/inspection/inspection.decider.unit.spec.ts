import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { CommandMetadata } from '../shared/messages';
import { RuleViolation } from '../shared/rule-violation';
import { batchEvolver, BatchState } from '../programme/batch';
import { BatchScheduled } from '../programme/programme.events';
import { presetRulebook } from '../programme/rulebook-presets';
import {
  DrawInspectionSample,
  InspectionOutcome,
  INSPECTION_OUTCOMES,
  RecordInspectionFinding,
} from './inspection.commands';
import { InspectionLookups, inspectionDecider, inspectionStreamId, isSampleReproducible } from './inspection.decider';
import { InspectionEvent, InspectionSampleDrawn, InspectionSampleDrawnData } from './inspection.events';
import { drawSample, InspectionCandidate, INSPECTION_SAMPLING_ALGORITHM } from './sampling';

const BATCH = 'JS-B1';
const SAMPLE = 'S-2021-01';

const metadata: CommandMetadata = {
  now: '2021-09-01T09:00:00+08:00',
  actor: { sub: 'expert-1', role: 'inspector', unitId: 'jiangsu' },
};

function scheduled(preset: string): BatchState {
  const event: BatchScheduled = {
    type: 'BatchScheduled',
    data: {
      programmeId: 'PG',
      batchId: BATCH,
      name: '第一批次',
      startsOn: '2020-11-01',
      endsOn: '2021-10-31',
      sharePercent: 20,
      periods: [{ periodId: 'P1', startsOn: '2020-11-01', endsOn: '2020-11-30' }],
      rulebook: presetRulebook(preset),
    },
  };
  return fold(batchEvolver, [event]);
}

// 南京: 23 schools in three districts, handed over in no particular order.
const candidates: InspectionCandidate[] = [
  ...Array.from({ length: 8 }, (_, i) => ({ schoolId: `XW-${String(i + 1).padStart(2, '0')}`, countyId: 'xuanwu' })),
  ...Array.from({ length: 9 }, (_, i) => ({ schoolId: `GL-${String(i + 1).padStart(2, '0')}`, countyId: 'gulou' })),
  ...Array.from({ length: 6 }, (_, i) => ({ schoolId: `JN-${String(i + 1).padStart(2, '0')}`, countyId: 'jiangning' })),
].reverse();

const lookups: InspectionLookups = { batch: scheduled('jiangsu-2.0'), candidates };
const givenWith =
  (overrides: InspectionLookups) =>
  (...events: InspectionEvent[]) =>
    specFor(inspectionDecider({ ...lookups, ...overrides }))(...events);
const given = givenWith({});

const draw = (overrides: Partial<DrawInspectionSample['data']> = {}): DrawInspectionSample => ({
  type: 'DrawInspectionSample',
  data: {
    sampleId: SAMPLE,
    batchId: BATCH,
    scopeUnitId: 'nanjing',
    ratePercent: 10,
    seed: 'JS-2021-抽检-1',
    ...overrides,
  },
  metadata,
});
const recordFinding = (schoolId: string, outcome: InspectionOutcome, notes = ''): RecordInspectionFinding => ({
  type: 'RecordInspectionFinding',
  data: { sampleId: SAMPLE, schoolId, outcome, notes },
  metadata,
});

/** The event a Jiangsu draw appends, built from drawSample itself (drawSample has its own golden tests). */
function drawn(
  overrides: Partial<DrawInspectionSample['data']> = {},
  rule = { rulebookId: 'jiangsu-2.0', minimumPercent: 10 as number | null },
): InspectionSampleDrawn {
  const data = draw(overrides).data;
  const sample = drawSample(candidates, data.ratePercent, data.seed);
  return { type: 'InspectionSampleDrawn', data: { ...data, rule, ...sample } };
}
const sampleDrawn = drawn();
const [firstSampled, secondSampled] = sampleDrawn.data.drawn.map((school) => school.schoolId);
const notSampled =
  candidates
    .map((school) => school.schoolId)
    .find((id) => !sampleDrawn.data.drawn.some((school) => school.schoolId === id)) ?? '';
const findingRecorded = (schoolId: string, outcome: InspectionOutcome, notes = ''): InspectionEvent => ({
  type: 'InspectionFindingRecorded',
  data: { sampleId: SAMPLE, schoolId, outcome, notes },
});

describe('Inspection sample', () => {
  it('lives on one stream per sample', () => {
    expect(inspectionStreamId('S-2021-01')).toBe('inspection-S-2021-01');
  });

  describe('when not drawn', () => {
    it('draws 10% of the scope’s schools, one from each district, recording how to draw it again', () => {
      given().when(draw()).then(sampleDrawn);
      expect(sampleDrawn.data).toMatchObject({
        ratePercent: 10,
        seed: 'JS-2021-抽检-1',
        rule: { rulebookId: 'jiangsu-2.0', minimumPercent: 10 },
        algorithm: INSPECTION_SAMPLING_ALGORITHM,
        size: 3,
      });
      expect(sampleDrawn.data.candidates.map((school) => school.schoolId)).toEqual(
        [...candidates.map((school) => school.schoolId)].sort(),
      );
      expect(new Set(sampleDrawn.data.drawn.map((school) => school.countyId))).toEqual(
        new Set(['xuanwu', 'gulou', 'jiangning']),
      );
    });

    it('draws the same sample from the same candidates in another order', () => {
      givenWith({ candidates: [...candidates].reverse() })()
        .when(draw())
        .then(sampleDrawn);
    });

    it('draws more than the minimum when asked', () => {
      given()
        .when(draw({ ratePercent: 30 }))
        .then(drawn({ ratePercent: 30 }));
    });

    it('refuses a rate below Jiangsu’s 10% (抽检率不低于10%)', () => {
      given()
        .when(draw({ ratePercent: 9.9 }))
        .thenRefuses('RATE_TOO_LOW', { ratePercent: 9.9, minimumPercent: 10, rulebookId: 'jiangsu-2.0' });
    });

    it.each([0, -5, 100.1, Number.NaN])('refuses a rate of %p as invalid', (ratePercent) => {
      given()
        .when(draw({ ratePercent }))
        .thenRefuses('VALIDATION_FAILED', { problems: [{ field: 'ratePercent' }] });
    });

    it.each(['', Number.POSITIVE_INFINITY])('refuses a seed of %p as invalid', (seed) => {
      given()
        .when(draw({ seed }))
        .thenRefuses('VALIDATION_FAILED', { problems: [{ field: 'seed' }] });
    });

    it('refuses a batch that is not scheduled', () => {
      givenWith({ batch: { status: 'unscheduled' } })()
        .when(draw())
        .thenRefuses('UNKNOWN_BATCH', { batchId: BATCH });
    });

    it('refuses a scope with no school to sample', () => {
      givenWith({ candidates: [] })()
        .when(draw())
        .thenRefuses('NOTHING_TO_SAMPLE', { batchId: BATCH, scopeUnitId: 'nanjing' });
    });

    it('refuses a finding', () => {
      given().when(recordFinding('XW-01', 'satisfactory')).thenRefuses('UNKNOWN_SAMPLE', { sampleId: SAMPLE });
    });
  });

  describe.each(['lianyungang-1.0', 'ningde-1.0', 'yueyang-2.0'])('under %s (no minimum rate)', (preset) => {
    it('allows any rate, recording that no minimum applied', () => {
      givenWith({ batch: scheduled(preset) })()
        .when(draw({ ratePercent: 1 }))
        .then(drawn({ ratePercent: 1 }, { rulebookId: preset, minimumPercent: null }));
    });

    it('still refuses a rate of 0', () => {
      givenWith({ batch: scheduled(preset) })()
        .when(draw({ ratePercent: 0 }))
        .thenRefuses('VALIDATION_FAILED');
    });
  });

  describe('when drawn', () => {
    it('appends nothing for the same request again', () => {
      given(sampleDrawn).when(draw()).thenNothingHappens();
    });

    it('appends nothing for the same request though the schools changed since', () => {
      givenWith({ candidates: candidates.slice(1) })(sampleDrawn)
        .when(draw())
        .thenNothingHappens();
    });

    it('refuses another draw under the same sample id', () => {
      given(sampleDrawn)
        .when(draw({ seed: 'another' }))
        .thenRefuses('SAMPLE_ALREADY_DRAWN', { sampleId: SAMPLE });
      given(sampleDrawn)
        .when(draw({ ratePercent: 20 }))
        .thenRefuses('SAMPLE_ALREADY_DRAWN');
    });

    it.each(INSPECTION_OUTCOMES)('records a %s finding for a sampled school', (outcome) => {
      given(sampleDrawn)
        .when(recordFinding(firstSampled, outcome, '抽查3名教师线下成果'))
        .then(findingRecorded(firstSampled, outcome, '抽查3名教师线下成果'));
    });

    it('refuses a finding for a candidate that was not drawn', () => {
      given(sampleDrawn)
        .when(recordFinding(notSampled, 'satisfactory'))
        .thenRefuses('NOT_IN_SAMPLE', { sampleId: SAMPLE, schoolId: notSampled });
    });

    it('refuses a finding for a school outside the scope', () => {
      given(sampleDrawn)
        .when(recordFinding('SZ-01', 'satisfactory'))
        .thenRefuses('NOT_IN_SAMPLE', { schoolId: 'SZ-01' });
    });

    it('refuses an outcome off the scale', () => {
      given(sampleDrawn)
        .when({
          ...recordFinding(firstSampled, 'satisfactory'),
          data: { sampleId: SAMPLE, schoolId: firstSampled, outcome: 'excellent' as InspectionOutcome, notes: '' },
        })
        .thenRefuses('VALIDATION_FAILED', { problems: [{ field: 'outcome' }] });
    });
  });

  describe('when a finding is recorded', () => {
    const withFinding = [sampleDrawn, findingRecorded(firstSampled, 'needs-improvement', '小组视频缺正面画面')];

    it('appends nothing for the same finding again', () => {
      given(...withFinding)
        .when(recordFinding(firstSampled, 'needs-improvement', '小组视频缺正面画面'))
        .thenNothingHappens();
    });

    it('records a revised finding, which supersedes the first', () => {
      given(...withFinding)
        .when(recordFinding(firstSampled, 'satisfactory', '已整改'))
        .then(findingRecorded(firstSampled, 'satisfactory', '已整改'));
      const state = fold(inspectionDecider(), [
        ...withFinding,
        findingRecorded(secondSampled, 'satisfactory'),
        findingRecorded(firstSampled, 'satisfactory', '已整改'),
      ]);
      expect(state.status === 'drawn' && state.findings).toEqual([
        { schoolId: secondSampled, outcome: 'satisfactory', notes: '' },
        { schoolId: firstSampled, outcome: 'satisfactory', notes: '已整改' },
      ]);
    });
  });

  describe('the auditor’s check', () => {
    const decided = (): InspectionSampleDrawnData => {
      const [event] = inspectionDecider(lookups).decide(draw({ seed: 20210901, ratePercent: 25 }), {
        status: 'not-drawn',
      });
      if (event.type !== 'InspectionSampleDrawn') throw new Error('expected a draw');
      return event.data;
    };

    it('draws the recorded sample again from the event’s own inputs', () => {
      const recorded = decided();
      const again = drawSample(recorded.candidates, recorded.ratePercent, recorded.seed);
      expect(again.drawn).toEqual(recorded.drawn);
      expect(again.allocation).toEqual(recorded.allocation);
      expect(isSampleReproducible(recorded)).toBe(true);
    });

    it('still reproduces after the event’s JSON round trip', () => {
      expect(isSampleReproducible(JSON.parse(JSON.stringify(decided())))).toBe(true);
    });

    it('catches a drawn school swapped for another', () => {
      const recorded = decided();
      const outsider = recorded.candidates.find(
        (school) => !recorded.drawn.some((each) => each.schoolId === school.schoolId),
      );
      if (outsider === undefined) throw new Error('expected a school left out');
      expect(isSampleReproducible({ ...recorded, drawn: [outsider, ...recorded.drawn.slice(1)] })).toBe(false);
    });

    it('catches an altered seed, rate, candidate list or algorithm', () => {
      const recorded = decided();
      expect(isSampleReproducible({ ...recorded, seed: 20210902 })).toBe(false);
      expect(isSampleReproducible({ ...recorded, ratePercent: 50 })).toBe(false);
      expect(isSampleReproducible({ ...recorded, candidates: recorded.candidates.slice(1) })).toBe(false);
      expect(isSampleReproducible({ ...recorded, candidates: [...recorded.candidates, recorded.candidates[0]] })).toBe(
        false,
      );
      expect(isSampleReproducible({ ...recorded, algorithm: 'something-else/v9' })).toBe(false);
    });
  });

  describe('a handler that forgets a lookup', () => {
    it('fails loudly, not as a business rule', () => {
      let error: unknown;
      try {
        inspectionDecider({ batch: lookups.batch }).decide(draw(), { status: 'not-drawn' });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(RuleViolation);
      expect((error as Error).message).toMatch('must supply the candidates lookup');
    });
  });
});
