import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { chineseMessage, prefersChinese, ZH_CN_MESSAGES } from './messages.zh-CN';

const ROOT = path.resolve(__dirname, '../../../..');
/** Where the codes the API answers with are written: the domain's rules, the pipeline, the views, the edge. */
const SOURCES = ['libs/domain/src', 'libs/application/src', 'libs/projections/src', 'apps/api/src'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') && !file.endsWith('.spec.ts') ? [file] : [];
  });
}

/**
 * Every UPPER_SNAKE string literal of the source is taken for an error code, except injection
 * tokens (Symbol('…')) and environment variables: a new code without a Chinese message fails here.
 */
function codesInSource(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of SOURCES.flatMap((dir) => sourceFiles(path.join(ROOT, dir)))) {
    const text = readFileSync(file, 'utf8').replace(/Symbol(?:\.for)?\('[^']*'\)/g, '');
    for (const [, code] of text.matchAll(
      /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|FORBIDDEN|CONFLICT|INTERNAL|UNAVAILABLE|UNAUTHENTICATED)'/g,
    )) {
      if (/^(TIP|KAFKA|KURRENTDB|DATABASE|PORT|NODE)_/.test(code) || code === 'DATABASE_URL') continue;
      if (!codes.has(code)) codes.set(code, path.relative(ROOT, file));
    }
  }
  return codes;
}

describe('Chinese error messages', () => {
  it('has one for every code the API can answer', () => {
    const missing = [...codesInSource()].filter(([code]) => ZH_CN_MESSAGES[code] === undefined);
    expect(missing.map(([code, file]) => `${code} (${file})`)).toEqual([]);
  });

  it('finds the codes where they are written (the scan itself works)', () => {
    const codes = codesInSource();
    for (const code of [
      'QUOTA_EXCEEDED',
      'SCHOOL_CLOSED',
      'VALIDATION_FAILED',
      'SIGN_IN_FAILED',
      'ROLE_DOES_NOT_FIT_UNIT',
    ]) {
      expect(codes.has(code)).toBe(true);
    }
  });

  it('follows Accept-Language by order and weight', () => {
    expect(prefersChinese('zh-CN')).toBe(true);
    expect(prefersChinese('zh-CN,zh;q=0.9,en;q=0.8')).toBe(true);
    expect(prefersChinese('zh-Hans')).toBe(true);
    expect(prefersChinese('en-US,en;q=0.9,zh-CN;q=0.8')).toBe(false);
    expect(prefersChinese('en;q=0.5, zh;q=0.8')).toBe(true);
    expect(prefersChinese('fr, zh-TW;q=0.1')).toBe(true);
    expect(prefersChinese('zh;q=0')).toBe(false);
    expect(prefersChinese(undefined)).toBe(false);
  });

  it('names the fields of a VALIDATION_FAILED', () => {
    expect(
      chineseMessage('VALIDATION_FAILED', [
        { field: 'seats', rule: 'Expected number' },
        { field: 'toUnitId', rule: 'Required' },
      ]),
    ).toBe('请求内容不符合要求，请修改这些字段：seats、toUnitId');
  });
});
