import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const BUILD_SCRIPT = path.resolve(__dirname, '../../../../scripts/build-web.js');

/**
 * Builds the web app into dist/web when its sources changed (what `npm start` and `npm test` do),
 * in a child process: Vite is an ES module, which Jest's module sandbox cannot import.
 */
export async function ensureWebAppBuilt(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [BUILD_SCRIPT], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}
