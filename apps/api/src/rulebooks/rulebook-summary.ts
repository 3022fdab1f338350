import { PRESET_RULEBOOK_NAMES, presetRulebook, Rulebook } from '@tip/domain';

/** A preset's main figures: what an operator compares before choosing one for LaunchProgramme. */
export interface RulebookSummary {
  /** What LaunchProgramme takes as `rulebook`. */
  name: string;
  title: string;
  version: string;
  source: { issuer: string; documentNumber: string | null; issuedOn: string | null };
  hours: {
    minimumTotal: number;
    categories: { id: string; label: string; mode: string; minimumHours: number }[];
  };
  /** How long online study may take, e.g. "40 days from period-start"; null when the rulebook sets no limit. */
  onlineStudyLimit: string | null;
  abilityPoints: { catalogue: string; minPoints: number; maxPoints: number | null; deadlineDays: number | null } | null;
  planThresholdPercent: number | null;
  closureThresholdPercent: number | null;
  excellentVideosPercentOfFullTimeTeachers: number | null;
  inspectionMinSamplePercent: number | null;
  exemptYearsBeforeRetirement: number | null;
  fundingYuanPerHourPerTeacher: number | null;
  batchSharesPercent: number[] | null;
  coverageTargets: { by: string; minPercent: number }[];
}

export function summarise(rulebook: Rulebook): RulebookSummary {
  const limit = rulebook.onlineStudy?.limit;
  return {
    name: rulebook.id,
    title: rulebook.name,
    version: rulebook.version,
    source: {
      issuer: rulebook.source.issuer,
      documentNumber: rulebook.source.documentNumber,
      issuedOn: rulebook.source.issuedOn,
    },
    hours: {
      minimumTotal: rulebook.hours.minimumTotal,
      categories: rulebook.hours.categories.map(({ id, label, mode, minimumHours }) => ({
        id,
        label,
        mode,
        minimumHours,
      })),
    },
    onlineStudyLimit: limit ? `${limit.amount} ${limit.unit} from ${limit.from}` : null,
    abilityPoints: rulebook.abilityPoints && {
      catalogue: rulebook.abilityPoints.catalogue.id,
      minPoints: rulebook.abilityPoints.choice.minPoints,
      maxPoints: rulebook.abilityPoints.choice.maxPoints,
      deadlineDays: rulebook.abilityPoints.deadlineDays,
    },
    planThresholdPercent: rulebook.planThresholdPercent,
    closureThresholdPercent: rulebook.closureThresholdPercent,
    excellentVideosPercentOfFullTimeTeachers: rulebook.excellentVideos?.minPercentOfFullTimeTeachers ?? null,
    inspectionMinSamplePercent: rulebook.inspectionMinSamplePercent,
    exemptYearsBeforeRetirement: rulebook.exemption?.yearsBeforeRetirement ?? null,
    fundingYuanPerHourPerTeacher: rulebook.funding?.yuanPerHourPerTeacher ?? null,
    batchSharesPercent: rulebook.batchSharesPercent,
    coverageTargets: rulebook.coverageTargets.map(({ by, minPercent }) => ({ by, minPercent })),
  };
}

export function presetSummaries(): RulebookSummary[] {
  return PRESET_RULEBOOK_NAMES.map((name) => summarise(presetRulebook(name)));
}
