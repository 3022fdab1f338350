import { assertNever } from '../shared/rule-violation';
import { localDateOf } from '../shared/calendar';
import { ClosureAppliedData, PilotScope, SchoolClosureEvent } from './school-closure.events';

/**
 * One stream per school per batch: `school-closure-{batchId}:{schoolId}`. Ids never contain ':'
 * (the API sees to that), so the two parts cannot run into each other.
 */
export function schoolClosureStreamId(batchId: string, schoolId: string): string {
  return `school-closure-${batchId}:${schoolId}`;
}

/**
 * open → plan-uploaded → applied → approved → closed, and applied → rejected → applied again.
 * Videos and a revised plan may arrive in any state but closed; only closure freezes the school.
 */
export const SCHOOL_CLOSURE_STATUSES = ['open', 'plan-uploaded', 'applied', 'approved', 'rejected', 'closed'] as const;
export type SchoolClosureStatus = (typeof SCHOOL_CLOSURE_STATUSES)[number];

export interface GroupVideo {
  groupId: string;
  videoRef: string;
}

export interface ExcellentVideo {
  teacherId: string;
  subject: string;
  videoRef: string;
}

/** Plain data (arrays, no Map), so the audit view can show a rebuilt state as JSON. */
export interface SchoolClosureState {
  status: SchoolClosureStatus;
  planDocumentRef: string | null;
  /** One per teaching group, in the order the groups first submitted. */
  groupVideos: readonly GroupVideo[];
  /** One per teacher and subject, in the order first uploaded. */
  excellentVideos: readonly ExcellentVideo[];
  /** The latest application's basis; kept after a rejection so the school sees what was judged. */
  application: ClosureAppliedData | null;
  /** The county's latest rejection reason, if it gave one; cleared by the next application. */
  rejectionReason: string | null;
  signedDocumentRef: string | null;
  /** When the school closed (absent for closures recorded before the time was kept). */
  closedAt?: string | null;
  /** 试点学校: whose pilot, due by when; null when the school is no pilot. */
  pilot?: { finishBy: string; scope: PilotScope; designatedAt: string } | null;
}

export function initialSchoolClosureState(): SchoolClosureState {
  return {
    pilot: null,
    status: 'open',
    planDocumentRef: null,
    groupVideos: [],
    excellentVideos: [],
    application: null,
    rejectionReason: null,
    signedDocumentRef: null,
    closedAt: null,
  };
}

export function evolveSchoolClosure(state: SchoolClosureState, event: SchoolClosureEvent): SchoolClosureState {
  switch (event.type) {
    case 'SchoolPlanUploaded':
    case 'SchoolPlanReplaced':
      // A plan moves only an open school on; a revised plan later leaves the status alone.
      return {
        ...state,
        status: state.status === 'open' ? 'plan-uploaded' : state.status,
        planDocumentRef: event.data.documentRef,
      };
    case 'GroupVideoSubmitted':
    case 'GroupVideoReplaced': {
      const { groupId, videoRef } = event.data;
      return {
        ...state,
        groupVideos: upsert(state.groupVideos, { groupId, videoRef }, (video) => video.groupId === groupId),
      };
    }
    case 'ExcellentVideoUploaded':
    case 'ExcellentVideoReplaced': {
      const { teacherId, subject, videoRef } = event.data;
      const sameKey = (video: ExcellentVideo) => video.teacherId === teacherId && video.subject === subject;
      return { ...state, excellentVideos: upsert(state.excellentVideos, { teacherId, subject, videoRef }, sameKey) };
    }
    case 'ClosureApplied':
      return { ...state, status: 'applied', application: event.data, rejectionReason: null };
    case 'ClosureApproved':
      return { ...state, status: 'approved' };
    case 'ClosureRejected':
      return { ...state, status: 'rejected', rejectionReason: event.data.reason ?? null };
    case 'SchoolClosed':
      return {
        ...state,
        status: 'closed',
        signedDocumentRef: event.data.signedDocumentRef,
        closedAt: event.data.closedAt ?? null,
      };
    case 'PilotSchoolDesignated': {
      const { finishBy, scope, designatedAt } = event.data;
      return { ...state, pilot: { finishBy, scope, designatedAt } };
    }
    default:
      return assertNever(event);
  }
}

/**
 * A pilot is late once its finishBy day has passed (China local date of `asOf`) without the school
 * closing, or when it closed after that day. Not a pilot: never late.
 */
export function isPilotLate(state: SchoolClosureState, asOf: string): boolean {
  const pilot = state.pilot ?? null;
  if (pilot === null) return false;
  if (state.status === 'closed') return state.closedAt != null && localDateOf(state.closedAt) > pilot.finishBy;
  return localDateOf(asOf) > pilot.finishBy;
}

/** 结项后学校不可再进行任何操作: other contexts ask this before acting on the school or its teachers. */
export function isSchoolClosed(state: SchoolClosureState): boolean {
  return state.status === 'closed';
}

export function groupVideoOf(state: SchoolClosureState, groupId: string): GroupVideo | undefined {
  return state.groupVideos.find((video) => video.groupId === groupId);
}

export function excellentVideoOf(
  state: SchoolClosureState,
  teacherId: string,
  subject: string,
): ExcellentVideo | undefined {
  return state.excellentVideos.find((video) => video.teacherId === teacherId && video.subject === subject);
}

/** The distinct subjects the school's excellent videos cover, sorted. */
export function excellentSubjects(state: SchoolClosureState): string[] {
  return [...new Set(state.excellentVideos.map((video) => video.subject))].sort(byCodeUnits);
}

/** Locale-free ordering, so the same data sorts the same on every machine. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function upsert<T>(items: readonly T[], item: T, matches: (each: T) => boolean): T[] {
  return items.some(matches) ? items.map((each) => (matches(each) ? item : each)) : [...items, item];
}
