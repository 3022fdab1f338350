import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The layer rules live in lint; this proves they restrict something rather than allow everything. */
describe('module boundaries', () => {
  // The Nx rule reads the cached project graph and silently skips without one.
  beforeAll(() => {
    spawnSync(process.execPath, [path.join(root, 'node_modules/nx/bin/nx.js'), 'show', 'projects'], {
      cwd: root,
      encoding: 'utf8',
    });
  });

  // ESLint runs in its own process: its ESM config cannot load inside Jest's module sandbox.
  async function boundaryErrors(file: string, code: string): Promise<string[]> {
    const eslint = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', file, '--format', 'json'],
      {
        cwd: root,
        input: code,
        encoding: 'utf8',
      },
    );
    const [result] = JSON.parse(eslint.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
    return result.messages
      .filter(
        (message) => message.ruleId === '@nx/enforce-module-boundaries' || message.ruleId?.startsWith('no-restricted'),
      )
      .map((message) => message.message);
  }

  it('keeps the domain free of frameworks and infrastructure', async () => {
    const errors = await boundaryErrors(
      'libs/domain/src/quota/leak.ts',
      "import { Injectable } from '@nestjs/common';\nimport { Pool } from 'pg';\nimport { createPostgresEventStore } from '@tip/event-store';\nexport const x = [Injectable, Pool, createPostgresEventStore];\n",
    );
    expect(errors.join('\n')).toMatch(/@nestjs\/common/);
    expect(errors.join('\n')).toMatch(/pg/);
    expect(errors.join('\n')).toMatch(/type:infrastructure|tagged with/);
  });

  it('keeps ambient time and randomness out of the domain', async () => {
    const errors = await boundaryErrors(
      'libs/domain/src/quota/clock.ts',
      'export const now = () => [Date.now(), new Date(), Math.random()];\n',
    );
    expect(errors).toHaveLength(3);
  });

  it('lets infrastructure depend on the domain', async () => {
    const errors = await boundaryErrors(
      'libs/event-store/src/uses-domain.ts',
      "import { fold } from '@tip/domain';\nexport const f = fold;\n",
    );
    expect(errors).toEqual([]);
  });
});
