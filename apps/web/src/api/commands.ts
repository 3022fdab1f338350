import { http } from './http';
import type { CommandResult } from './types';

/** The commands the web app's forms send; the API decides each one and explains a refusal. */
export type CommandName =
  | 'EnrollTeacher'
  | 'WithdrawTeacher'
  | 'SelectAbilityPoints'
  | 'UploadSchoolPlan'
  | 'RecordOfflineHours'
  | 'AssessPractice'
  | 'UploadExcellentVideo'
  | 'ApplyForClosure'
  | 'ApproveClosure'
  | 'RejectClosure'
  | 'CloseSchool'
  | 'IssueCertificate'
  | 'ConfirmEnrollment'
  | 'DrawInspectionSample'
  | 'RecordInspectionFinding';

export type CommandBody = Record<string, unknown>;

export const commandsApi = {
  send: (name: CommandName, body: CommandBody) => http.post<CommandResult>(`/commands/${name}`, body),
};
