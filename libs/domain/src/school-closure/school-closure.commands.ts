import { Command } from '../shared/messages';

/** Every school-closure command names the school's closure stream: one per school per batch. */
export interface SchoolClosureTarget {
  batchId: string;
  schoolId: string;
}

/** 规划书: the school's plan (盖有学校公章), a stored document's reference. */
export interface UploadSchoolPlanData extends SchoolClosureTarget {
  documentRef: string;
}
export type UploadSchoolPlan = Command<'UploadSchoolPlan', UploadSchoolPlanData>;

/** A teaching group's one video of a group session (集中教研活动, faces visible), sent by its leader. */
export interface SubmitGroupVideoData extends SchoolClosureTarget {
  groupId: string;
  videoRef: string;
}
export type SubmitGroupVideo = Command<'SubmitGroupVideo', SubmitGroupVideoData>;

/** An excellent teacher's work (应用成果), uploaded by the school admin for the whole province to see. */
export interface UploadExcellentVideoData extends SchoolClosureTarget {
  teacherId: string;
  subject: string;
  videoRef: string;
}
export type UploadExcellentVideo = Command<'UploadExcellentVideo', UploadExcellentVideoData>;

/** 申请结项: the school asks its county to accept it. */
export type ApplyForClosure = Command<'ApplyForClosure', SchoolClosureTarget>;

/** The county's answer to an application (验收). */
export interface ClosureDecisionData extends SchoolClosureTarget {
  reason?: string;
}
export type ApproveClosure = Command<'ApproveClosure', ClosureDecisionData>;
export type RejectClosure = Command<'RejectClosure', ClosureDecisionData>;

/** 结项: the school uploads the photographed signed paper and closes; nothing happens after. */
export interface CloseSchoolData extends SchoolClosureTarget {
  signedDocumentRef: string;
}
export type CloseSchool = Command<'CloseSchool', CloseSchoolData>;

/**
 * 试点学校: the school trains first and is due to finish (close) by `finishBy` (YYYY-MM-DD). Sent by
 * the admin of the programme's owner (the owner's own pilots: Yueyang's 市十二中、洞氮小学) or by a
 * city or county admin (the county's pilots, 每个县市区…2所以上).
 */
export interface DesignatePilotSchoolData extends SchoolClosureTarget {
  finishBy: string;
}
export type DesignatePilotSchool = Command<'DesignatePilotSchool', DesignatePilotSchoolData>;

export type SchoolClosureCommand =
  | DesignatePilotSchool
  | UploadSchoolPlan
  | SubmitGroupVideo
  | UploadExcellentVideo
  | ApplyForClosure
  | ApproveClosure
  | RejectClosure
  | CloseSchool;
