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
  /** 参考教师: active enrolled teachers, exempt volunteers aside (absent in applications before it was counted). */
  candidates?: number;
  /** Of those, graded. */
  assessed: number;
  /** Of those, pass or excellent. */
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
export type SchoolClosed = DomainEvent<'SchoolClosed', CloseSchoolData & { closedAt?: string }>;

/** Whose pilot a school is: the programme owner's own, or its county's. */
export const PILOT_SCOPES = ['programme', 'county'] as const;
export type PilotScope = (typeof PILOT_SCOPES)[number];

export interface PilotSchoolDesignatedData {
  batchId: string;
  schoolId: string;
  finishBy: string;
  /** 'programme': designated by the admin of the programme's owner; 'county': by a city or county admin beneath it. */
  scope: PilotScope;
  designatedAt: string;
}
/** The school is a pilot of the batch, due to finish by `finishBy`; a later designation re-dates it. */
export type PilotSchoolDesignated = DomainEvent<'PilotSchoolDesignated', PilotSchoolDesignatedData>;

export type SchoolClosureEvent =
  | PilotSchoolDesignated
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
