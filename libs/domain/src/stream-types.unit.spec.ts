import { certificateStreamId, enrollmentStreamId } from './enrollment';
import { inspectionStreamId } from './inspection';
import { orgUnitStreamId, teacherStreamId } from './organisation';
import { batchStreamId, programmeStreamId } from './programme';
import { quotaStreamId } from './quota';
import { schoolClosureStreamId } from './school-closure';
import { STREAM_TYPES } from './stream-types';

describe('Stream types', () => {
  it('name each stream id function by its category, once each', () => {
    const ids = [
      orgUnitStreamId('u'),
      teacherStreamId('t'),
      programmeStreamId('p'),
      batchStreamId('b'),
      quotaStreamId('b', 'p', 'u'),
      enrollmentStreamId('b', 't'),
      certificateStreamId('c'),
      schoolClosureStreamId('b', 's'),
      inspectionStreamId('s'),
    ];
    const categories = STREAM_TYPES.map((type) => type.category);
    expect(new Set(categories).size).toBe(categories.length);
    expect(ids.map((id) => STREAM_TYPES.filter((type) => id.startsWith(`${type.category}-`)).length)).toEqual(
      ids.map(() => 1),
    );
  });
});
