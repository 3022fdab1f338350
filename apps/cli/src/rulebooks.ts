import { z } from 'zod';

const nullableNumber = z.number().nullable();

/** The part of `GET /api/rulebooks` this tool prints; fields it does not know are left aside. */
const summaries = z.object({
  rulebooks: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      version: z.string(),
      source: z.object({ issuer: z.string(), documentNumber: z.string().nullable(), issuedOn: z.string().nullable() }),
      hours: z.object({
        minimumTotal: z.number(),
        categories: z.array(z.object({ label: z.string(), mode: z.string(), minimumHours: z.number() })),
      }),
      onlineStudyLimit: z.string().nullable(),
      abilityPoints: z
        .object({
          catalogue: z.string(),
          minPoints: z.number(),
          maxPoints: nullableNumber,
          deadlineDays: nullableNumber,
        })
        .nullable(),
      planThresholdPercent: nullableNumber,
      closureThresholdPercent: nullableNumber,
      excellentVideosPercentOfFullTimeTeachers: nullableNumber,
      inspectionMinSamplePercent: nullableNumber,
      exemptYearsBeforeRetirement: nullableNumber,
      fundingYuanPerHourPerTeacher: nullableNumber,
      batchSharesPercent: z.array(z.number()).nullable(),
      coverageTargets: z.array(z.object({ by: z.string(), minPercent: z.number() })),
    }),
  ),
});

/** One block per preset: its name (what LaunchProgramme takes) first, then its main figures. */
export function renderRulebooks(answer: unknown): string {
  const { rulebooks } = summaries.parse(answer);
  return rulebooks
    .map((rulebook) => {
      const source = [rulebook.source.issuer, rulebook.source.documentNumber, rulebook.source.issuedOn]
        .filter((part) => part !== null)
        .join(' ');
      const hours = rulebook.hours.categories
        .map((category) => `${category.label} (${category.mode}) ≥ ${category.minimumHours}`)
        .join(', ');
      const points = rulebook.abilityPoints;
      const rules = [
        rulebook.planThresholdPercent !== null && `school plan once ${rulebook.planThresholdPercent}% have picked`,
        rulebook.closureThresholdPercent !== null && `closure at ${rulebook.closureThresholdPercent}% passed`,
        rulebook.excellentVideosPercentOfFullTimeTeachers !== null &&
          `excellent videos ≥ ${rulebook.excellentVideosPercentOfFullTimeTeachers}% of full-time teachers`,
        rulebook.inspectionMinSamplePercent !== null && `spot checks ≥ ${rulebook.inspectionMinSamplePercent}%`,
        rulebook.exemptYearsBeforeRetirement !== null &&
          `exempt < ${rulebook.exemptYearsBeforeRetirement} years before retirement`,
        rulebook.fundingYuanPerHourPerTeacher !== null &&
          `${rulebook.fundingYuanPerHourPerTeacher} yuan per hour per teacher`,
      ].filter((rule) => rule !== false);
      const plan = [
        rulebook.batchSharesPercent && `batches ${rulebook.batchSharesPercent.map((share) => `${share}%`).join(' / ')}`,
        rulebook.coverageTargets.length > 0 &&
          `targets ${rulebook.coverageTargets.map((target) => `${target.minPercent}% by ${target.by}`).join(', ')}`,
      ].filter((part) => typeof part === 'string');
      return [
        `${rulebook.name}  ${rulebook.title}`,
        `  提升工程 ${rulebook.version} · ${source}`,
        `  hours ≥ ${rulebook.hours.minimumTotal}: ${hours}` +
          (rulebook.onlineStudyLimit ? `; online study within ${rulebook.onlineStudyLimit}` : ''),
        points &&
          `  ability points from ${points.catalogue}: at least ${points.minPoints}` +
            (points.maxPoints !== null ? `, at most ${points.maxPoints}` : '') +
            (points.deadlineDays !== null ? `, picked within ${points.deadlineDays} days of enrollment` : ''),
        rules.length > 0 && `  ${rules.join(' · ')}`,
        plan.length > 0 && `  ${plan.join(' · ')}`,
      ]
        .filter((line) => typeof line === 'string')
        .join('\n');
    })
    .join('\n\n');
}
