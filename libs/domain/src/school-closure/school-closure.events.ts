import { DomainEvent } from '../shared/messages';
import {
  CloseSchoolData,
  ClosureDecisionData,
  SubmitGroupVideoData,
  UploadExcellentVideoData,
  UploadSchoolPlanData,
} from './school-closure.commands';

export type SchoolPlanUploaded = DomainEvent<'SchoolPlanUploaded', UploadSchoolPlanData>;

/** A revised plan took the place of the earlier one. */
export type SchoolPlanReplaced = DomainEvent<
  'SchoolPlanReplaced',
  UploadSchoolPlanData & { previousDocumentRef: string }
>;

export type GroupVideoSubmitted = DomainEvent<'GroupVideoSubmitted', SubmitGroupVideoData>;

/** The group's one video is now another one (提交其中1份: a group keeps a single video). */
export type GroupVideoReplaced = DomainEvent<'GroupVideoReplaced', SubmitGroupVideoData & { previousVideoRef: string }>;

export type ExcellentVideoUploaded = DomainEvent<'ExcellentVideoUploaded', UploadExcellentVideoData>;

/** The teacher's video for that subject is now another one. */
export type ExcellentVideoReplaced = DomainEvent<
  'ExcellentVideoReplaced',
  UploadExcellentVideoData & { previousVideoRef: string }
>;

/**
 * What an application was decided on, so the county (and any auditor) sees the numbers the
 * thresholds were checked against, and the rules as they stood.
 */
export interface ClosureAppliedData {
  batchId: string;
  schoolId: string;
  rulebookId: string;
  assessed: number;
  passed: number;
  /** null: the rulebook sets no pass threshold. */
  closureThresholdPercent: number | null;
  fullTimeTeachers: number;
  subjectsTaught: string[];
  excellentVideos: number;
  excellentVideosRequired: number;
  excellentSubjects: string[];
}
export type ClosureApplied = DomainEvent<'ClosureApplied', ClosureAppliedData>;

export type ClosureApproved = DomainEvent<'ClosureApproved', ClosureDecisionData>;
export type ClosureRejected = DomainEvent<'ClosureRejected', ClosureDecisionData>;
export type SchoolClosed = DomainEvent<'SchoolClosed', CloseSchoolData>;

export type SchoolClosureEvent =
  | SchoolPlanUploaded
  | SchoolPlanReplaced
  | GroupVideoSubmitted
  | GroupVideoReplaced
  | ExcellentVideoUploaded
  | ExcellentVideoReplaced
  | ClosureApplied
  | ClosureApproved
  | ClosureRejected
  | SchoolClosed;
