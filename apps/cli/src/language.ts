/** The language of the CLI's reports: Chinese or English. */
export type Language = 'zh' | 'en';

/** `--lang` when given, else the locale (LC_ALL, LC_MESSAGES, LANG): Chinese for zh_*, English otherwise. */
export function languageOf(option: string | undefined, environment: NodeJS.ProcessEnv = process.env): Language {
  if (option === 'zh' || option === 'en') return option;
  const locale = environment.LC_ALL || environment.LC_MESSAGES || environment.LANG || '';
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The Accept-Language the API is asked in, so its refusals come back in the same language. */
export function acceptLanguage(language: Language): string {
  return language === 'zh' ? 'zh-CN,zh;q=0.9' : 'en';
}

/** "Line 4" or "第 4 行": where in the CSV a refusal comes from. */
export function lineLabel(language: Language, line: number): string {
  return language === 'zh' ? `第 ${line} 行` : `Line ${line}`;
}

/** A message in both languages; `.message` is the English one. */
export class BilingualError extends Error {
  constructor(
    readonly english: string,
    readonly chinese: string,
  ) {
    super(english);
  }

  in(language: Language): string {
    return language === 'zh' ? this.chinese : this.english;
  }
}
