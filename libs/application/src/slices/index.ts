import { CommandSlice } from '../commands/command-slice';
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
} from './enrollment';
import { accountCommands } from './accounts';
import { exemptTeacher } from './exemption';
import { drawInspectionSample, recordInspectionFinding } from './inspection';
import {
  declareFullTimeTeachers,
  eraseTeacherPersonalData,
  registerOrgUnit,
  registerTeacher,
  setIssuingOffice,
} from './organisation';
import { extendBatch, launchProgramme, scheduleBatch } from './programme';
import { allocateQuota, revokeQuota } from './quota';
import {
  applyForClosure,
  approveClosure,
  closeSchool,
  designatePilotSchool,
  rejectClosure,
  submitGroupVideo,
  uploadExcellentVideo,
  uploadSchoolPlan,
} from './school-closure';

/** Every command of the contract: one line each registers it (HTTP route, command bus, OpenAPI). */
export const contractCommands: readonly CommandSlice[] = [
  registerOrgUnit,
  registerTeacher,
  eraseTeacherPersonalData,
  setIssuingOffice,
  declareFullTimeTeachers,
  launchProgramme,
  scheduleBatch,
  extendBatch,
  allocateQuota,
  revokeQuota,
  exemptTeacher,
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
  designatePilotSchool,
  drawInspectionSample,
  recordInspectionFinding,
  ...accountCommands,
];
