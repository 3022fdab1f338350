import { computed, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { CommandName } from '@/api/commands';
import type { BatchSummary } from '@/api/types';
import type { FormField } from '@/components/CommandForm.vue';

/** One command form of the school page: what CommandForm is given (it sends, and shows a refusal itself). */
export interface SchoolCommand {
  command: CommandName;
  title: string;
  /** Sent as they are: the batch, and the school where the command names it. */
  fixed: Record<string, unknown>;
  fields: FormField[];
}

/**
 * The commands a school's page offers, by who may send them: the school admin's (one tab each),
 * the group leader's grading, and the county admin's review of a closure. Fields are labelled
 * from `school.fields.*` and required unless they are a checkbox.
 */
export function useSchoolCommands(
  schoolId: Ref<string>,
  batchId: Ref<string | undefined>,
  batch: Ref<BatchSummary | undefined>,
) {
  const { t } = useI18n();
  const f = (name: string, type: FormField['type'] = 'text', extra: Partial<FormField> = {}): FormField => ({
    name,
    label: t(`school.fields.${name}`),
    type,
    required: type !== 'checkbox',
    ...extra,
  });
  const gradeOptions = computed(() =>
    (['fail', 'pass', 'excellent'] as const).map((grade) => ({ value: grade, label: t(`school.grades.${grade}`) })),
  );
  const periodOptions = computed(() =>
    (batch.value?.periods ?? []).map((period) => ({
      value: period.periodId,
      label: `${period.periodId}（${period.startsOn} ~ ${period.endsOn}）`,
    })),
  );
  /** `form` is the key under school.forms.* that titles it. */
  const command = (
    name: CommandName,
    form: string,
    on: 'batch' | 'school',
    fields: FormField[] = [],
  ): SchoolCommand => ({
    command: name,
    title: t(`school.forms.${form}`),
    fixed: on === 'school' ? { batchId: batchId.value, schoolId: schoolId.value } : { batchId: batchId.value },
    fields,
  });
  const assess = () =>
    command('AssessPractice', 'assess', 'batch', [
      f('teacherId'),
      f('grade', 'select', { options: gradeOptions.value }),
    ]);

  const schoolAdmin = computed(() => [
    command('EnrollTeacher', 'enroll', 'batch', [
      f('teacherId'),
      f('periodId', 'select', { options: periodOptions.value }),
      f('voluntary', 'checkbox'),
    ]),
    command('SelectAbilityPoints', 'selectPoints', 'batch', [f('teacherId'), f('points', 'list')]),
    command('UploadSchoolPlan', 'plan', 'school', [f('documentRef')]),
    command('RecordOfflineHours', 'offlineHours', 'batch', [f('teacherId'), f('hours', 'number')]),
    assess(),
    command('UploadExcellentVideo', 'excellentVideo', 'school', [f('teacherId'), f('subject'), f('videoRef')]),
    command('IssueCertificate', 'certificate', 'batch', [f('teacherId')]),
    command('ApplyForClosure', 'apply', 'school'),
    command('CloseSchool', 'close', 'school', [f('signedDocumentRef')]),
    command('WithdrawTeacher', 'withdraw', 'batch', [f('teacherId'), f('reason')]),
  ]);
  const groupLeader = computed(() => [assess()]);
  const closureReview = computed(() => [
    command('ApproveClosure', 'approve', 'school'),
    command('RejectClosure', 'reject', 'school', [f('reason')]),
  ]);
  return { schoolAdmin, groupLeader, closureReview };
}
