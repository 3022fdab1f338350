import { Command } from '../shared/messages';

export interface LaunchProgrammeData {
  programmeId: string;
  name: string;
  /** The province the programme runs in (a city-run programme names its province too). */
  provinceId: string;
  /**
   * A preset name (`jiangsu-2.0`, …) or a full rulebook as sent, which the decision checks field by
   * field (validateRulebook): until then it is any object.
   */
  rulebook: string | object;
  /**
   * The unit that runs the programme: the province (the default) or one of its cities (three of
   * the four notices are a city's own). Its admin schedules and extends the batches, and everything
   * of the programme happens inside its subtree.
   */
  ownerUnitId?: string;
}
export type LaunchProgramme = Command<'LaunchProgramme', LaunchProgrammeData>;

/** 期: an online-study window inside a batch; quota is issued per period. Dates inclusive. */
export interface Period {
  periodId: string;
  /** YYYY-MM-DD */
  startsOn: string;
  /** YYYY-MM-DD, the last day of the period. */
  endsOn: string;
}

export interface ScheduleBatchData {
  programmeId: string;
  batchId: string;
  name: string;
  /** YYYY-MM-DD */
  startsOn: string;
  /** YYYY-MM-DD, the last day of the batch. */
  endsOn: string;
  /** Share of all teachers this batch trains. */
  sharePercent: number;
  periods: Period[];
}
export type ScheduleBatch = Command<'ScheduleBatch', ScheduleBatchData>;

/** The programme's owner moves a batch's end later (real programmes do extend), with the reason. */
export interface ExtendBatchData {
  batchId: string;
  /** YYYY-MM-DD, the new last day of the batch; later than its current end. */
  endsOn: string;
  reason: string;
}
export type ExtendBatch = Command<'ExtendBatch', ExtendBatchData>;

export type ProgrammeCommand = LaunchProgramme | ScheduleBatch | ExtendBatch;
