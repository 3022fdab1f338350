import { Logger } from '@nestjs/common';
import { startTracing } from '@tip/observability';
import { RunningTip, startTip } from './bootstrap';
import { loadConfig } from './config';

async function main(): Promise<void> {
  // Before the HTTP server exists, so that its requests are traced; nothing is loaded without an endpoint.
  const tracing = startTracing('tip-api');
  const logger = new Logger('TIP');
  const running: { tip?: RunningTip; stopRequested?: string } = {};

  const stop = (signal: string) => {
    logger.log(`${signal} received: stopping the API, then the database`);
    (running.tip?.stop() ?? Promise.resolve())
      // The last spans are sent before the process goes.
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: Error) => {
          logger.error(`Shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
  };
  // Listen before starting: a signal during start-up (initdb takes seconds) must still stop
  // the embedded PostgreSQL, once it is up, rather than leave it running on its own.
  const onSignal = (signal: string) => {
    if (running.tip) stop(signal);
    else running.stopRequested ??= signal;
  };
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Stay registered: a second Ctrl-C must not kill Node while PostgreSQL is being stopped.
    process.on(signal, () => {
      if (stopping) return logger.warn(`${signal} received again: still stopping`);
      stopping = true;
      onSignal(signal);
    });
  }

  const tip = await startTip(loadConfig(process.env));
  running.tip = tip;
  void tip.failed.then((error) => {
    logger.error(`${error.message}\nStopping with exit code 1, for a process supervisor to start TIP again`);
    // Closing may hang on a database that is gone: exit regardless after a while.
    setTimeout(() => process.exit(1), 10_000);
    tip.stop().finally(() => process.exit(1));
  });
  if (running.stopRequested) return stop(running.stopRequested);
  logger.log(`TIP is ready at ${tip.url} (health: ${tip.url}/health)`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
