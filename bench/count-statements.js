// Preloaded into the API by the http bench (BENCH_COUNT_STATEMENTS, BENCH_PROFILE_DIR): between
// two SIGUSR2 it counts the statements the API sends PostgreSQL, by their first words, and, with
// BENCH_PROFILE_DIR, takes a CPU profile of that window alone. The second SIGUSR2 writes the
// counts to BENCH_COUNT_STATEMENTS_FILE (JSON) and the profile to BENCH_PROFILE_DIR.
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { Session } = require('node:inspector');
const pg = require('pg');

const counts = new Map();
let counting = false;
let windows = 0;
const profileDir = process.env.BENCH_PROFILE_DIR;
const session = profileDir ? new Session() : undefined;
session?.connect();

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  if (counting) {
    const text = typeof config === 'string' ? config : config?.text;
    const key =
      typeof text === 'string'
        ? text
            // A projector's batch in one text runs to megabytes: its first words are enough.
            .slice(0, 200)
            .replace(/\s+/g, ' ')
            .replace(/\b\d+\b/g, 'N')
            .trim()
            .slice(0, 80)
        : '(a stream: COPY or a cursor)';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return query.call(this, config, ...rest);
};

process.on('SIGUSR2', () => {
  if (!counting) {
    counts.clear();
    counting = true;
    session?.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  counting = false;
  writeFileSync(process.env.BENCH_COUNT_STATEMENTS_FILE, JSON.stringify(Object.fromEntries(counts)));
  session?.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(path.join(profileDir, `window-${++windows}.cpuprofile`), JSON.stringify(result.profile));
  });
});
