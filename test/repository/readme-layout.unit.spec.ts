import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { chapter, plainBlocks, readme, REPO_ROOT } from './readme';

/** The README's Layout block names every app, every library and every folder of the API's sources. */
describe("README's Layout", () => {
  const layout = plainBlocks(chapter(readme(), 'Layout')).join('\n');
  const listed = new Set(layout.split('\n').map((line) => line.split(/\s+/)[0]));
  const folders = (dir: string) =>
    readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${dir}/${entry.name}/`);

  it.each(['apps', 'libs', 'apps/api/src'])('names every folder of %s/', (dir) => {
    const missing = folders(dir).filter((folder) => !listed.has(folder));
    expect(missing).toEqual([]);
  });

  it('names no app, library or API folder that is not there', () => {
    const present = new Set(['apps', 'libs', 'apps/api/src'].flatMap(folders));
    const stale = [...listed].filter((entry) => /^(apps|libs)\//.test(entry) && !present.has(entry));
    expect(stale).toEqual([]);
  });
});
