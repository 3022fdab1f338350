import { UseCase } from '../command-pipeline/use-case';
import { registerOrgUnit } from './organisation.use-cases';
import { launchProgramme, scheduleBatch } from './programme.use-cases';
import { allocateQuota, revokeQuota } from './quota.use-cases';
import { registerTeacher } from './teacher.use-cases';
import {
  assessPractice,
  confirmEnrollment,
  enrollTeacher,
  issueCertificate,
  recordOfflineHours,
  recordOnlineHours,
  recordPeerReview,
  returnEvidence,
  revokeCertificate,
  selectAbilityPoints,
  submitPracticeEvidence,
  transferTeacher,
  withdrawTeacher,
} from './enrollment.use-cases';
import { drawInspectionSample, recordInspectionFinding } from './inspection.use-cases';
import {
  applyForClosure,
  approveClosure,
  closeSchool,
  rejectClosure,
  submitGroupVideo,
  uploadExcellentVideo,
  uploadSchoolPlan,
} from './school-closure.use-cases';

/** The contract's commands served so far. */
export const contractUseCases: UseCase[] = [
  registerOrgUnit,
  registerTeacher,
  launchProgramme,
  scheduleBatch,
  allocateQuota,
  revokeQuota,
  enrollTeacher,
  confirmEnrollment,
  withdrawTeacher,
  transferTeacher,
  selectAbilityPoints,
  recordOnlineHours,
  submitPracticeEvidence,
  recordPeerReview,
  returnEvidence,
  assessPractice,
  recordOfflineHours,
  issueCertificate,
  revokeCertificate,
  uploadSchoolPlan,
  submitGroupVideo,
  uploadExcellentVideo,
  applyForClosure,
  approveClosure,
  rejectClosure,
  closeSchool,
  drawInspectionSample,
  recordInspectionFinding,
];

export { certificateStreamId } from './enrollment.use-cases';
