// Test fixture: starts a server on argv[2], reports its port, then waits to be killed without
// ever calling stop(), like an app that was SIGKILLed.
import { startEmbeddedPostgres } from '../embedded-postgres';

async function main(): Promise<void> {
  const server = await startEmbeddedPostgres({ dataDir: process.argv[2], settings: { shared_buffers: '32MB' } });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
