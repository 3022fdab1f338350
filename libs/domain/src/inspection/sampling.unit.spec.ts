import { drawSample, InspectionCandidate, INSPECTION_SAMPLING_ALGORITHM } from './sampling';

/** For generating test populations only (the code under test has its own generator). */
function testRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function schools(counts: Record<string, number>): InspectionCandidate[] {
  return Object.entries(counts).flatMap(([countyId, count]) =>
    Array.from({ length: count }, (_, index) => ({
      schoolId: `${countyId}-${String(index + 1).padStart(3, '0')}`,
      countyId,
    })),
  );
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = testRandom(seed);
  return items
    .map((item) => ({ item, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

const drawnPerCounty = (drawn: InspectionCandidate[]) =>
  drawn.reduce<Record<string, number>>(
    (counts, school) => ({ ...counts, [school.countyId]: (counts[school.countyId] ?? 0) + 1 }),
    {},
  );

// 南京: 23 schools in three districts.
const nanjing = schools({ xuanwu: 8, gulou: 9, jiangning: 6 });

describe('Drawing an inspection sample', () => {
  describe('its size', () => {
    it.each([
      [23, 10, 3],
      [10, 10, 1],
      [100, 10, 10],
      [7, 15, 2],
      [9, 100, 9],
      [1, 10, 1],
    ])('of %i schools at %i% is %i', (count, rate, size) => {
      const { size: drawnSize, drawn } = drawSample(schools({ c: count }), rate, 'seed');
      expect(drawnSize).toBe(size);
      expect(drawn).toHaveLength(size);
    });

    it('takes every school at 100%', () => {
      expect(drawSample(nanjing, 100, 1).drawn).toEqual(
        [...nanjing].sort((a, b) => (a.schoolId < b.schoolId ? -1 : 1)),
      );
    });
  });

  describe('reproducibility', () => {
    it('draws the same schools from the same seed, whatever the order of the candidates', () => {
      const first = drawSample(nanjing, 10, 'JS-2021-抽检-1');
      for (const order of [1, 2, 3, 4, 5]) {
        expect(drawSample(shuffled(nanjing, order), 10, 'JS-2021-抽检-1')).toEqual(first);
      }
      expect(drawSample([...nanjing].reverse(), 10, 'JS-2021-抽检-1')).toEqual(first);
    });

    it('keeps to the published procedure (a change must take a new algorithm name)', () => {
      // Checked against an independent re-implementation of the procedure in drawSample's comment.
      expect(drawSample(nanjing, 10, 'JS-2021-抽检-1')).toEqual({
        algorithm: INSPECTION_SAMPLING_ALGORITHM,
        candidates: [...nanjing].sort((a, b) => (a.schoolId < b.schoolId ? -1 : 1)),
        size: 3,
        allocation: [
          { countyId: 'gulou', schools: 9, drawn: 1 },
          { countyId: 'jiangning', schools: 6, drawn: 1 },
          { countyId: 'xuanwu', schools: 8, drawn: 1 },
        ],
        drawn: [
          { schoolId: 'gulou-003', countyId: 'gulou' },
          { schoolId: 'jiangning-001', countyId: 'jiangning' },
          { schoolId: 'xuanwu-004', countyId: 'xuanwu' },
        ],
      });
      const at20 = drawSample(nanjing, 20, 20210315);
      expect(at20.drawn.map((school) => school.schoolId)).toEqual([
        'gulou-006',
        'gulou-009',
        'jiangning-006',
        'xuanwu-001',
        'xuanwu-008',
      ]);
      expect(at20.allocation.map((county) => county.drawn)).toEqual([2, 1, 2]);
    });

    it('reads a numeric seed as its text', () => {
      expect(drawSample(nanjing, 20, 20210315)).toEqual(drawSample(nanjing, 20, '20210315'));
    });

    it('draws differently from different seeds', () => {
      const samples = new Set(
        Array.from({ length: 30 }, (_, seed) => JSON.stringify(drawSample(nanjing, 10, seed).drawn)),
      );
      expect(samples.size).toBeGreaterThan(20);
    });

    it('sorts ids by code units, not by locale', () => {
      const mixed = [
        { schoolId: '鼓楼-1', countyId: '鼓楼' },
        { schoolId: 'B-1', countyId: 'B' },
        { schoolId: 'a-1', countyId: 'a' },
      ];
      expect(drawSample(mixed, 100, 1).candidates.map((school) => school.schoolId)).toEqual(['B-1', 'a-1', '鼓楼-1']);
    });

    it('refuses a candidate list naming a school twice', () => {
      expect(() => drawSample([...nanjing, nanjing[0]], 10, 1)).toThrow('listed twice');
    });

    it('refuses a rate outside (0, 100]', () => {
      expect(() => drawSample(nanjing, 0, 1)).toThrow(RangeError);
      expect(() => drawSample(nanjing, 100.5, 1)).toThrow(RangeError);
    });
  });

  describe('stratified by county', () => {
    it('represents every county when the sample is at least as large as the counties', () => {
      // 23 schools at 10%: 3 seats for 3 districts, one each whatever the seed.
      for (let seed = 0; seed < 50; seed += 1) {
        expect(drawnPerCounty(drawSample(nanjing, 10, seed).drawn)).toEqual({ xuanwu: 1, gulou: 1, jiangning: 1 });
      }
    });

    it('shares the seats beyond one per county in proportion to the schools beyond the first', () => {
      // 61 schools at 20% = ⌈12.2⌉ = 13 seats; 3 counties get 1 each; 10 more over 49, 7 and 2
      // extra schools: quotas 8.45, 1.21, 0.34; the one seat left goes to the largest remainder.
      const population = schools({ big: 50, mid: 8, small: 3 });
      const { allocation } = drawSample(population, 20, 'x');
      expect(allocation).toEqual([
        { countyId: 'big', schools: 50, drawn: 10 },
        { countyId: 'mid', schools: 8, drawn: 2 },
        { countyId: 'small', schools: 3, drawn: 1 },
      ]);
    });

    it('gives the seats in proportion when there are more counties than seats', () => {
      // 40 schools in 12 counties at 10%: 4 seats; the 10-school county's quota is 1.0.
      const population = schools({
        c01: 10,
        c02: 6,
        c03: 6,
        c04: 6,
        c05: 2,
        c06: 2,
        c07: 2,
        c08: 2,
        c09: 1,
        c10: 1,
        c11: 1,
        c12: 1,
      });
      for (let seed = 0; seed < 30; seed += 1) {
        const { allocation, size } = drawSample(population, 10, seed);
        expect(size).toBe(4);
        expect(allocation.find((county) => county.countyId === 'c01')?.drawn).toBe(1);
        // Quotas 0.6 for the 6-school counties: the three largest remainders take the other seats.
        expect(
          allocation.filter((county) => ['c02', 'c03', 'c04'].includes(county.countyId)).map((county) => county.drawn),
        ).toEqual([1, 1, 1]);
      }
    });

    it('breaks ties between equal remainders by the seed, not by county id', () => {
      // Five counties of two schools, 10% of 10 = 1 seat: every county must win it for some seed.
      const population = schools({ a: 2, b: 2, c: 2, d: 2, e: 2 });
      const winners = new Set(
        Array.from({ length: 60 }, (_, seed) => drawSample(population, 10, seed).drawn[0].countyId),
      );
      expect([...winners].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('keeps every allocation within its county and within a seat of its quota, over many populations', () => {
      const random = testRandom(2021);
      for (let round = 0; round < 300; round += 1) {
        const counts: Record<string, number> = {};
        const counties = 1 + Math.floor(random() * 15);
        for (let county = 0; county < counties; county += 1) counts[`county-${county}`] = 1 + Math.floor(random() * 30);
        const population = schools(counts);
        const rate = [10, 12.5, 15, 25, 33, 50, 100][Math.floor(random() * 7)];
        const { size, allocation, drawn } = drawSample(population, rate, round);
        const total = population.length;
        expect(size).toBe(Math.ceil((total * rate) / 100));
        expect(drawn).toHaveLength(size);
        expect(allocation.reduce((sum, county) => sum + county.drawn, 0)).toBe(size);
        expect(drawnPerCounty(drawn)).toEqual(
          Object.fromEntries(
            allocation.filter((county) => county.drawn > 0).map((county) => [county.countyId, county.drawn]),
          ),
        );
        const onePerCounty = size >= counties;
        for (const county of allocation) {
          expect(county.drawn).toBeLessThanOrEqual(county.schools);
          const quota = onePerCounty
            ? 1 + ((size - counties) * (county.schools - 1)) / (total - counties || 1)
            : (size * county.schools) / total;
          expect(county.drawn).toBeGreaterThanOrEqual(Math.floor(quota + 1e-9));
          expect(county.drawn).toBeLessThanOrEqual(Math.ceil(quota - 1e-9));
          if (onePerCounty) expect(county.drawn).toBeGreaterThanOrEqual(1);
        }
        expect(new Set(drawn.map((school) => school.schoolId)).size).toBe(size);
      }
    });

    it('gives every school in a county a fair chance', () => {
      // One county of 10 schools, 1 drawn: over 2,000 seeds each school comes up about 200 times.
      const population = schools({ only: 10 });
      const hits: Record<string, number> = {};
      for (let seed = 0; seed < 2000; seed += 1) {
        const [school] = drawSample(population, 10, `seed-${seed}`).drawn;
        hits[school.schoolId] = (hits[school.schoolId] ?? 0) + 1;
      }
      expect(Object.keys(hits)).toHaveLength(10);
      for (const count of Object.values(hits)) {
        expect(count).toBeGreaterThan(140);
        expect(count).toBeLessThan(260);
      }
    });
  });
});
