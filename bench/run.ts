// `npm run bench [-- name-filter]`: every figure beside a baseline measured in the same run.
// BENCH_SCALE=0.1 gives a quick, rough run.
import { BenchDatabase, BenchRow, formatTable, writeResults } from './harness';
import { eventStoreBenchmarks } from './event-store.bench';

async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const database = await BenchDatabase.start();
  const rows: BenchRow[] = [];
  try {
    await eventStoreBenchmarks(database, rows, scale);
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
