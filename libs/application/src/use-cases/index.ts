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
  withdrawTeacher,
} from './enrollment.use-cases';

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
  selectAbilityPoints,
  recordOnlineHours,
  submitPracticeEvidence,
  recordPeerReview,
  returnEvidence,
  assessPractice,
  recordOfflineHours,
  issueCertificate,
  revokeCertificate,
];

export { certificateStreamId } from './enrollment.use-cases';
