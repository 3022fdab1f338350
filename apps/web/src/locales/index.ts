import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN, { type Messages } from './zh-CN';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly { value: Locale; label: string }[] = [
  { value: 'zh-CN', label: '简体中文' },
  { value: 'en', label: 'English' },
];

const STORED = 'tip.locale';

function initialLocale(): Locale {
  return localStorage.getItem(STORED) === 'en' ? 'en' : 'zh-CN';
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  // en is partial on purpose: the rest falls back to Chinese without a warning per key.
  missingWarn: false,
  fallbackWarn: false,
  messages: { 'zh-CN': zhCN, en: en as Messages },
});

export function rememberLocale(locale: Locale): void {
  localStorage.setItem(STORED, locale);
}
