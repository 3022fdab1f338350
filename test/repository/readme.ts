import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export function readme(root = REPO_ROOT): string {
  return readFileSync(path.join(root, 'README.md'), 'utf8');
}

/** The text under `## title`, up to the next level-2 heading. */
export function chapter(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The fenced blocks of a language (```sh), in order, without their fences. */
export function fencedBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((match) => match[1]);
}

/** The contents of the unlabelled fenced blocks (diagrams, listings). */
export function plainBlocks(text: string): string[] {
  return [...text.matchAll(/^```\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/** Shell lines with their `\` continuations joined, comments and blank lines left out. */
export function commandLines(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
