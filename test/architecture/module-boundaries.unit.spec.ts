import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const probe = `lint-probe-${process.pid}`;

/**
 * Probe files, each breaking (or keeping) one rule, written where their rule applies. Rules that
 * follow imports (cycles) or read types (exhaustive switches) need real files, so the probes live
 * on disk for one ESLint run (a probe directory left behind by a killed run is removed first).
 */
const probes: Record<string, string> = {
  'libs/domain/src/PROBE/leak.ts':
    "import { Injectable } from '@nestjs/common';\nimport { Pool } from 'pg';\nimport { createPostgresEventStore } from '@tip/event-store';\nexport const x = [Injectable, Pool, createPostgresEventStore];\n",
  'libs/domain/src/PROBE/clock.ts': 'export const now = () => [Date.now(), new Date(), Math.random()];\n',
  'libs/event-store/src/PROBE/uses-domain.ts': "import { fold } from '@tip/domain';\nexport const f = fold;\n",
  'libs/application/src/PROBE/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
  'libs/application/src/PROBE/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
  'libs/application/src/commands/PROBE/time.ts':
    "import { randomUUID } from 'node:crypto';\nexport const now = () => [Date.now(), new Date(), Math.random(), randomUUID()];\n",
  'libs/application/src/PROBE/switch.ts':
    "export function size(kind: 'city' | 'county' | 'school'): number {\n  switch (kind) {\n    case 'city':\n      return 3;\n    case 'county':\n      return 2;\n    default:\n      return 1;\n  }\n}\n",
};

/** The layer rules live in lint; this proves they restrict something rather than allow everything. */
describe('module boundaries', () => {
  const messages = new Map<string, { ruleId: string | null; message: string }[]>();

  beforeAll(() => {
    // The Nx rule reads the cached project graph and silently skips without one.
    spawnSync(process.execPath, [path.join(root, 'node_modules/nx/bin/nx.js'), 'show', 'projects'], {
      cwd: root,
      encoding: 'utf8',
    });
    const directories = new Set(Object.keys(probes).map((file) => path.dirname(file).replace('PROBE', probe)));
    for (const parent of new Set([...directories].map((directory) => path.join(root, path.dirname(directory))))) {
      for (const stale of readdirSync(parent).filter((name) => name.startsWith('lint-probe-'))) {
        rmSync(path.join(parent, stale), { recursive: true, force: true });
      }
    }
    try {
      for (const [file, code] of Object.entries(probes)) {
        const at = path.join(root, file.replace('PROBE', probe));
        mkdirSync(path.dirname(at), { recursive: true });
        writeFileSync(at, code);
      }
      // ESLint runs in its own process: its ESM config cannot load inside Jest's module sandbox.
      const eslint = spawnSync(
        process.execPath,
        [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', ...directories],
        { cwd: root, encoding: 'utf8' },
      );
      const results = JSON.parse(eslint.stdout) as {
        filePath: string;
        messages: { ruleId: string | null; message: string }[];
      }[];
      for (const result of results) {
        messages.set(path.relative(root, result.filePath).replace(probe, 'PROBE'), result.messages);
      }
    } finally {
      for (const directory of directories) rmSync(path.join(root, directory), { recursive: true, force: true });
    }
  });

  /** Every problem of a probe under the given rules; a file that could not be linted at all fails. */
  function errors(file: string, rule: (ruleId: string) => boolean): string[] {
    const found = messages.get(file) ?? [];
    expect(found.filter((message) => message.ruleId === null)).toEqual([]);
    return found.filter((message) => message.ruleId !== null && rule(message.ruleId)).map((message) => message.message);
  }
  const boundary = (ruleId: string) => ruleId === '@nx/enforce-module-boundaries' || ruleId.startsWith('no-restricted');

  it('keeps the domain free of frameworks and infrastructure', () => {
    const found = errors('libs/domain/src/PROBE/leak.ts', boundary).join('\n');
    expect(found).toMatch(/@nestjs\/common/);
    expect(found).toMatch(/pg/);
    expect(found).toMatch(/type:infrastructure|tagged with/);
  });

  it('keeps ambient time and randomness out of the domain', () => {
    expect(errors('libs/domain/src/PROBE/clock.ts', boundary)).toHaveLength(3);
  });

  it('keeps ambient time, ids and randomness out of the command path: they come through ports', () => {
    expect(errors('libs/application/src/commands/PROBE/time.ts', boundary)).toHaveLength(4);
  });

  it('lets infrastructure depend on the domain', () => {
    expect(messages.has('libs/event-store/src/PROBE/uses-domain.ts')).toBe(true);
    expect(errors('libs/event-store/src/PROBE/uses-domain.ts', boundary)).toEqual([]);
  });

  it('refuses an import cycle inside a library', () => {
    const cycle = (ruleId: string) => ruleId === 'import-x/no-cycle';
    expect(errors('libs/application/src/PROBE/a.ts', cycle)).toEqual(['Dependency cycle detected']);
    expect(errors('libs/application/src/PROBE/b.ts', cycle)).toEqual(['Dependency cycle detected']);
  });

  it('refuses a switch over a union that leaves a member out', () => {
    const exhaustive = (ruleId: string) => ruleId === '@typescript-eslint/switch-exhaustiveness-check';
    expect(errors('libs/application/src/PROBE/switch.ts', exhaustive).join('\n')).toMatch(
      /Cases not matched: "school"/,
    );
  });
});
