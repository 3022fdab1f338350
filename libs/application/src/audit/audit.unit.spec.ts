import { quotaStreamId, schoolClosureStreamId } from '@tip/domain';
import { CommandValidationFailed, Forbidden } from '../commands/errors';
import { authorizeAudit, parseAsOf, parseLogPage } from './audit-queries';
import { HistoricEvent, STREAM_CATEGORIES, streamCategoryOf, streamStateAsOf } from './stream-states';

describe('stream categories', () => {
  it('knows every stream the use cases write, by the prefix of its id function', () => {
    expect(STREAM_CATEGORIES.map((category) => category.prefix).sort()).toEqual([
      'batch-',
      'certificate-',
      'enrollment-',
      'exemption-',
      'inspection-',
      'org-unit-',
      'programme-',
      'quota-',
      'school-closure-',
      'session-',
      'sign-ins-',
      'teacher-',
      'token-revocations-',
      'user-',
    ]);
    expect(streamCategoryOf(quotaStreamId('LYG-2016', '1', '320700'))?.name).toBe('quota');
    expect(streamCategoryOf('certificate-TIP-ABC')?.name).toBe('certificate');
  });

  it('matches the longest prefix first, and nothing for an unknown or bare prefix', () => {
    const lengths = STREAM_CATEGORIES.map((category) => category.prefix.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
    expect(streamCategoryOf(schoolClosureStreamId('B', 'S1'))?.name).toBe('school-closure');
    expect(streamCategoryOf('school-S1')).toBeUndefined();
    expect(streamCategoryOf('quota-')).toBeUndefined();
  });
});

describe('streamStateAsOf', () => {
  const ledger = quotaStreamId('B', '1', 'C');
  const quota = streamCategoryOf(ledger);
  if (!quota) throw new Error('quota is a category');
  const received = (revision: number, seats: number, businessTime: string): HistoricEvent => ({
    type: 'QuotaReceived',
    data: { batchId: 'B', periodId: '1', fromUnitId: 'P', toUnitId: 'C', seats },
    revision,
    businessTime,
  });
  const history = [received(0, 100, '2016-03-10T01:00:00.000Z'), received(1, 20, '2016-04-19T01:00:00.000Z')];

  it('folds only the events at or before the business time asked for', () => {
    expect(streamStateAsOf(ledger, quota, history, '2016-03-10T09:00:00+08:00')).toEqual({
      streamId: ledger,
      category: 'quota',
      asOf: '2016-03-10T01:00:00.000Z',
      version: 0,
      eventsFolded: 1,
      lastBusinessTime: '2016-03-10T01:00:00.000Z',
      state: { received: 100, handedOn: {}, seatHolders: [] },
    });
    expect(streamStateAsOf(ledger, quota, history)).toMatchObject({
      asOf: null,
      version: 1,
      eventsFolded: 2,
      state: { received: 120 },
    });
  });

  it('answers the initial state, version -1, before the first event', () => {
    expect(streamStateAsOf(ledger, quota, history, '2016-01-01T00:00:00Z')).toMatchObject({
      version: -1,
      eventsFolded: 0,
      lastBusinessTime: null,
      state: { received: 0 },
    });
  });
});

describe('audit query parameters', () => {
  const problemsOf = (parse: () => unknown) => {
    try {
      parse();
    } catch (error) {
      if (error instanceof CommandValidationFailed) return error.problems.map((problem) => problem.field);
      throw error;
    }
    return [];
  };

  it('defaults a page of the log, and names each bad parameter', () => {
    expect(parseLogPage({})).toEqual({ fromPosition: 0, limit: 1000 });
    expect(parseLogPage({ fromPosition: '17', limit: '10000' })).toEqual({ fromPosition: 17, limit: 10000 });
    expect(problemsOf(() => parseLogPage({ fromPosition: '-1', limit: '10001' }))).toEqual(['fromPosition', 'limit']);
    expect(problemsOf(() => parseLogPage({ fromPosition: '1.5', limit: '0' }))).toEqual(['fromPosition', 'limit']);
    expect(problemsOf(() => parseLogPage({ fromPosition: ['1', '2'] }))).toEqual(['fromPosition']);
  });

  it('takes asOf as an ISO-8601 instant with its time zone', () => {
    expect(parseAsOf(undefined)).toBeUndefined();
    expect(parseAsOf('2016-04-01T00:00:00+08:00')).toBe('2016-04-01T00:00:00+08:00');
    expect(problemsOf(() => parseAsOf('yesterday'))).toEqual(['asOf']);
    expect(problemsOf(() => parseAsOf('2016-04-01'))).toEqual(['asOf']);
  });

  it('lets only auditors and system read the log', () => {
    expect(() => authorizeAudit({ sub: 'a', role: 'auditor' })).not.toThrow();
    expect(() => authorizeAudit({ sub: 's', role: 'system' })).not.toThrow();
    expect(() => authorizeAudit({ sub: 'x', role: 'school-admin', unitId: 'S1' })).toThrow(Forbidden);
  });
});
