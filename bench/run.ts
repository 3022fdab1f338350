// `npm run bench [-- <filter>]`: every figure beside a baseline measured in the same run.
// BENCH_SCALE=0.1 gives a quick, rough run; a filter (event-store, http, read-models, e2e-kafka, province) runs one group.
import { BenchDatabase, BenchRow, formatTable, writeResults } from './harness';
import { e2eKafkaBenchmarks } from './e2e-kafka.bench';
import { eventStoreBenchmarks } from './event-store.bench';
import { httpCommandBenchmarks } from './http-commands.bench';
import { provinceBenchmarks } from './province.bench';
import { readModelBenchmarks } from './read-models.bench';

const groups: Record<string, (database: BenchDatabase, rows: BenchRow[], scale: number) => Promise<void>> = {
  'event-store': eventStoreBenchmarks,
  http: httpCommandBenchmarks,
  'read-models': readModelBenchmarks,
  'e2e-kafka': e2eKafkaBenchmarks,
  province: provinceBenchmarks,
};

/** Groups left out of a run without a filter. */
const NAMED_ONLY = new Set(['province']);

async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const filter = process.argv[2];
  // The province takes an hour at full scale: it runs when asked for by name.
  const selected = Object.entries(groups).filter(([name]) => (filter ? name.includes(filter) : !NAMED_ONLY.has(name)));
  if (selected.length === 0)
    throw new Error(`No benchmark group matches "${filter}"; there are: ${Object.keys(groups).join(', ')}`);
  const database = await BenchDatabase.start();
  const rows: BenchRow[] = [];
  try {
    for (const [, run] of selected) await run(database, rows, scale);
  } catch (error) {
    // What was measured before the failure is still worth seeing.
    if (rows.length > 0) console.error(`measured before the failure:\n${formatTable(rows)}`);
    throw error;
  } finally {
    await database.stop();
  }
  console.log(formatTable(rows));
  console.log(`\nwritten to ${await writeResults(rows)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
