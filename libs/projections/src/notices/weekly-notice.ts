import type { Figures } from '../progress/progress.figures';

/** The figures a weekly notice (周通报) reports for one unit, as of the end of a week: unit progress without the breakdowns. */
export type NoticeFigures = Omit<
  Figures,
  'seatsHandedOn' | 'seatsUsed' | 'hoursByCategory' | 'excellentVideosBySubject'
> & {
  /** Schools below the unit taking part in the batch (1 for a school that does). */
  schoolsTotal: number;
};

export const NOTICE_FIGURES: readonly (keyof NoticeFigures)[] = [
  'seatsReceived',
  'enrolled',
  'confirmed',
  'pointsSelected',
  'onlinePassed',
  'assessed',
  'passed',
  'excellent',
  'certified',
  'hoursCredited',
  'excellentVideos',
  'schoolsTotal',
  'schoolsClosed',
];

export type UnitKind = 'province' | 'city' | 'county' | 'school';

export interface NoticeRow {
  unitId: string;
  name: string;
  kind: UnitKind;
  /** 1 = best progress within its level; ties share a rank. */
  rank: number;
  thisWeek: NoticeFigures;
  lastWeek: NoticeFigures;
  /** thisWeek − lastWeek, figure by figure. */
  change: NoticeFigures;
  /** passed ÷ seatsReceived, in percent (0 when no seats); what the ranking is by. */
  progressPercent: number;
  /** Fell behind the batch's pace toward its share: it has seats, and progressPercent < the notice's pacePercent. */
  behind: boolean;
}

export interface NoticeLevel {
  kind: UnitKind;
  rows: NoticeRow[];
}

export interface WeeklyNotice {
  batchId: string;
  batchName: string;
  /** ISO week, e.g. 2021-W03, in Asia/Shanghai. */
  week: string;
  previousWeek: string;
  /** Local dates (Asia/Shanghai), Monday and Sunday. */
  weekStartsOn: string;
  weekEndsOn: string;
  /** The instant the figures are taken at: the end of the week (exclusive), ISO-8601. */
  asOf: string;
  timeZone: 'Asia/Shanghai';
  /** Share of the batch's time elapsed by the end of the week, in percent: the pace every unit is held to. */
  pacePercent: number;
  /** The unit the notice is for. */
  unit: NoticeRow;
  /** Every kind of unit below the unit, down to the schools, each ranked (a city-direct school is with the schools). */
  levels: NoticeLevel[];
}
