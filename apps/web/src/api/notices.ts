import { apiUrl } from './http';

export type NoticeFormat = 'html' | 'xlsx' | 'csv' | 'json';
export const NOTICE_FORMATS: readonly NoticeFormat[] = ['html', 'xlsx', 'csv', 'json'];

/** The weekly notice (周通报) in each format, at a URL the browser opens with its session cookie. */
export function noticeUrl(unitId: string, batchId: string, week: string, format: NoticeFormat): string {
  return apiUrl('/notices/weekly', { unitId, batchId, week, format });
}
