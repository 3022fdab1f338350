import { Logger } from '@nestjs/common';
import { startTip } from './bootstrap';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const logger = new Logger('TIP');
  const tip = await startTip(loadConfig(process.env));
  logger.log(`TIP is ready at ${tip.url} (health: ${tip.url}/health)`);

  const shutdown = (signal: string) => {
    logger.log(`${signal} received: stopping the API, then the database`);
    tip.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error(`Shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
