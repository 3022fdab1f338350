import { Presets, SingleBar } from 'cli-progress';
import { openEventStore } from '@tip/event-store';

export interface VerifyOutput {
  /** The summary, and the first broken event if any. */
  print(line: string): void;
  /** Where the progress bar is drawn. */
  progress: NodeJS.WritableStream;
}

/** Walks every stream's hash chain: 0 when all are intact, 1 naming the first broken event. */
export async function verifyEventStore(
  connectionString: string,
  output: VerifyOutput = { print: console.log, progress: process.stderr },
): Promise<number> {
  const store = await openEventStore(process.env, connectionString);
  const bar = new SingleBar(
    {
      stream: output.progress,
      format: 'verifying {bar} {value}/{total} events | {speed} events/s | {eta_formatted} left',
    },
    Presets.shades_classic,
  );
  try {
    const started = Date.now();
    const speed = (checked: number) => Math.round((checked * 1000) / Math.max(Date.now() - started, 1));
    // The head position bounds the count (rolled-back appends leave gaps): a total for the ETA.
    bar.start((await store.stats()).headPosition, 0, { speed: 0 });
    const report = await store.verify({ onProgress: (checked) => bar.update(checked, { speed: speed(checked) }) });
    bar.setTotal(report.eventsChecked);
    bar.stop();
    output.print(
      `Checked ${report.eventsChecked} events in ${report.streamsChecked} streams in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    const first = report.firstProblem;
    if (!first) {
      output.print('Every hash chain is intact.');
      return 0;
    }
    output.print(
      `BROKEN: ${report.problems.length === 1 ? 'one problem' : `${report.problems.length} problems`}; the first, in global order:`,
    );
    output.print(`  ${first.kind}: ${first.message}`);
    output.print(
      `  stream ${first.streamId}, revision ${first.revision}, position ${first.position ?? '(none)'}, event id ${first.eventId ?? '(none)'}`,
    );
    return 1;
  } finally {
    bar.stop();
    await store.close();
  }
}
