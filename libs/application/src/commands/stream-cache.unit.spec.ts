import { DomainEvent } from '@tip/domain';
import { StreamCache } from './stream-cache';

const events = (count: number): DomainEvent[] =>
  Array.from({ length: count }, (_, at) => ({ type: 'Counted', data: { at } }));

describe('StreamCache', () => {
  it('keeps the newest revision of a stream: an older read arriving late does not replace it', () => {
    const cache = new StreamCache(100);
    cache.remember({ streamId: 's-1', events: events(3), revision: 2 });
    cache.remember({ streamId: 's-1', events: events(2), revision: 1 });
    expect(cache.get('s-1')?.revision).toBe(2);
    cache.remember({ streamId: 's-1', events: events(4), revision: 3 });
    expect(cache.get('s-1')?.events).toHaveLength(4);
  });

  it('holds at most its events, letting the streams used least recently go first', () => {
    const cache = new StreamCache(12);
    cache.remember({ streamId: 's-1', events: events(3), revision: 2 });
    cache.remember({ streamId: 's-2', events: events(3), revision: 2 });
    cache.remember({ streamId: 's-3', events: [], revision: 'no_stream' });
    cache.get('s-1');
    cache.remember({ streamId: 's-4', events: events(4), revision: 3 });
    expect(
      [cache.get('s-1'), cache.get('s-2'), cache.get('s-3'), cache.get('s-4')].map((entry) => entry?.streamId),
    ).toEqual(['s-1', undefined, 's-3', 's-4']);
    cache.forget('s-1');
    expect(cache.get('s-1')).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('keeps nothing when given no room', () => {
    const cache = new StreamCache(0);
    cache.remember({ streamId: 's-1', events: [], revision: 'no_stream' });
    expect(cache.get('s-1')).toBeUndefined();
  });
});
