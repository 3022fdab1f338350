import { Decider } from '../shared/decider';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import { isCalendarDate } from '../shared/calendar';
import { isSameData } from './plain-data';
import { ExtendBatch, LaunchProgramme, Period, ProgrammeCommand, ScheduleBatch } from './programme.commands';
import {
  BatchExtended,
  BatchScheduled,
  ProgrammeEvent,
  ProgrammeLaunched,
  ProgrammeLaunchedData,
} from './programme.events';
import { BatchExtension, BatchState } from './batch';
import { Rulebook } from './rulebook';
import { presetRulebook } from './rulebook-presets';
import { storedRulebook } from './rulebook-upgrade';
import { validateRulebook } from './rulebook-validation';

/** One stream per programme. */
export function programmeStreamId(programmeId: string): string {
  return `programme-${programmeId}`;
}

/** A batch as the programme's state lists it: as scheduled (endsOn too), with its extensions. */
export type ProgrammeBatch = Omit<BatchScheduled['data'], 'programmeId' | 'rulebook' | 'ownerUnitId'> & {
  extensions: BatchExtension[];
};
export type LaunchedProgramme = { status: 'launched'; batches: ProgrammeBatch[] } & ProgrammeLaunchedData & {
    /** Always known in the state: events recorded before owners were run by their province. */
    ownerUnitId: string;
  };
export type ProgrammeState = { status: 'not-launched' } | LaunchedProgramme;

/**
 * A unit as the org-unit stream tells it; an OrgUnitState (organisation context) fits this
 * shape as it is, so the handler passes what it folded.
 */
export type ProvinceLookup =
  { status: 'unregistered' } | { status: 'registered'; unitId: string; kind: string; parentId?: string };

/**
 * What the handler loads besides the programme's stream:
 * - LaunchProgramme: the province's org-unit stream (`org-unit-{provinceId}`), folded, and the
 *   owner's (`org-unit-{ownerUnitId}`) when the command names an owner other than the province.
 * - ScheduleBatch: the batch's own stream (`batch-{batchId}`) folded with batchEvolver, so an id
 *   already used by another programme is refused; optional.
 * - ExtendBatch: the batch's own stream, folded (it names the programme).
 * The handler appends BatchScheduled / BatchExtended to the programme stream and copies it to the batch stream.
 */
export interface ProgrammeLookups {
  province?: ProvinceLookup;
  owner?: ProvinceLookup;
  batch?: BatchState;
}

/** The rule a ScheduleBatch broke, named in BATCH_OVERLAPS_RULES details. */
export type BatchRule =
  | 'batch-already-scheduled'
  | 'batch-id-taken'
  | 'dates-are-calendar-dates'
  | 'batch-starts-before-it-ends'
  | 'share-percent-in-range'
  | 'periods-required'
  | 'period-ids-unique'
  | 'period-starts-before-it-ends'
  | 'period-inside-batch'
  | 'periods-do-not-overlap'
  | 'shares-add-up-to-at-most-100'
  | 'batches-start-in-order';

export function programmeDecider(
  lookups: ProgrammeLookups = {},
): Decider<ProgrammeCommand, ProgrammeEvent, ProgrammeState> {
  return {
    decide: (command, state) => {
      switch (command.type) {
        case 'LaunchProgramme':
          return decideLaunchProgramme(command, state, lookups.province, lookups.owner);
        case 'ScheduleBatch':
          return decideScheduleBatch(command, state, lookups.batch);
        case 'ExtendBatch':
          return decideExtendBatch(command, state, lookups.batch ?? { status: 'unscheduled' });
        default:
          return assertNever(command);
      }
    },
    evolve: evolveProgramme,
    initialState: () => ({ status: 'not-launched' }),
  };
}

export function evolveProgramme(state: ProgrammeState, event: ProgrammeEvent): ProgrammeState {
  switch (event.type) {
    case 'ProgrammeLaunched':
      return {
        status: 'launched',
        ...event.data,
        ownerUnitId: event.data.ownerUnitId ?? event.data.provinceId,
        rulebook: storedRulebook(event.data.rulebook),
        batches: [],
      };
    case 'BatchScheduled': {
      if (state.status !== 'launched') return state;
      const { programmeId: _programmeId, rulebook: _rulebook, ownerUnitId: _owner, ...batch } = event.data;
      return { ...state, batches: [...state.batches, { ...batch, extensions: [] }] };
    }
    case 'BatchExtended': {
      if (state.status !== 'launched') return state;
      const { endsOn, previousEndsOn, reason } = event.data;
      return {
        ...state,
        batches: state.batches.map((batch) =>
          batch.batchId === event.data.batchId
            ? { ...batch, extensions: [...batch.extensions, { endsOn, previousEndsOn, reason }] }
            : batch,
        ),
      };
    }
    default:
      return assertNever(event);
  }
}

export function decideLaunchProgramme(
  command: LaunchProgramme,
  state: ProgrammeState,
  province: ProvinceLookup | undefined,
  owner?: ProvinceLookup,
): ProgrammeLaunched[] {
  const { programmeId, name, provinceId } = command.data;
  const ownerUnitId = command.data.ownerUnitId ?? provinceId;
  const rulebook = resolveRulebook(command.data.rulebook);

  if (state.status === 'launched') {
    // A preset name matches by name, so a rerun import still matches after a preset's notes change.
    const sameRulebook =
      typeof command.data.rulebook === 'string'
        ? state.rulebook.id === command.data.rulebook
        : isSameData(state.rulebook, rulebook);
    const fields = [
      ...(state.name !== name ? ['name'] : []),
      ...(state.provinceId !== provinceId ? ['provinceId'] : []),
      ...(state.ownerUnitId !== ownerUnitId ? ['ownerUnitId'] : []),
      ...(sameRulebook ? [] : ['rulebook']),
    ];
    if (fields.length === 0) return [];
    throw new RuleViolation(
      'PROGRAMME_ALREADY_LAUNCHED',
      `Programme ${programmeId} is already launched with other data`,
      {
        programmeId,
        fields,
      },
    );
  }

  if (province === undefined || province.status === 'unregistered' || province.kind !== 'province') {
    throw new RuleViolation('UNKNOWN_UNIT', `${provinceId} is not a registered province`, { provinceId });
  }
  if (province.unitId !== provinceId) {
    throw new Error(`Loaded unit ${province.unitId} but the command names ${provinceId}`);
  }
  if (ownerUnitId !== provinceId) {
    if (owner === undefined || owner.status === 'unregistered') {
      throw new RuleViolation('UNKNOWN_UNIT', `${ownerUnitId} is not a registered unit`, { ownerUnitId });
    }
    if (owner.unitId !== ownerUnitId)
      throw new Error(`Loaded unit ${owner.unitId} but the command names ${ownerUnitId}`);
    if (owner.kind !== 'city' || owner.parentId !== provinceId) {
      throw new RuleViolation(
        'BAD_OWNER',
        `A programme of province ${provinceId} is run by the province or one of its cities; ${ownerUnitId} is neither`,
        { ownerUnitId, provinceId, kind: owner.kind },
      );
    }
  }
  return [{ type: 'ProgrammeLaunched', data: { programmeId, name, provinceId, ownerUnitId, rulebook } }];
}

/** A preset by name (UNKNOWN_RULEBOOK) or a caller's full rulebook (BAD_RULEBOOK). */
export function resolveRulebook(rulebook: unknown): Rulebook {
  return typeof rulebook === 'string' ? presetRulebook(rulebook) : validateRulebook(rulebook);
}

export function decideScheduleBatch(
  command: ScheduleBatch,
  state: ProgrammeState,
  batch: BatchState | undefined,
): BatchScheduled[] {
  const { programmeId, batchId, name, startsOn, endsOn, sharePercent, periods } = command.data;
  if (state.status !== 'launched') {
    throw new RuleViolation('UNKNOWN_PROGRAMME', `Programme ${programmeId} is not launched`, { programmeId });
  }
  const refuse = (rule: BatchRule, message: string, details: Record<string, unknown> = {}): never => {
    throw new RuleViolation('BATCH_OVERLAPS_RULES', message, { rule, programmeId, batchId, ...details });
  };

  const existing = state.batches.find((scheduled) => scheduled.batchId === batchId);
  if (existing !== undefined) {
    const requested = { batchId, name, startsOn, endsOn, sharePercent, periods };
    const fields = (['name', 'startsOn', 'endsOn', 'sharePercent', 'periods'] as const).filter(
      (field) => !isSameData(existing[field], requested[field]),
    );
    if (fields.length === 0) return [];
    return refuse('batch-already-scheduled', `Batch ${batchId} is already scheduled with other data`, { fields });
  }
  if (batch?.status === 'scheduled' && batch.programmeId !== programmeId) {
    return refuse('batch-id-taken', `Batch id ${batchId} belongs to programme ${batch.programmeId}`, {
      takenBy: batch.programmeId,
    });
  }

  const badDates = [
    ...(isCalendarDate(startsOn) ? [] : ['startsOn']),
    ...(isCalendarDate(endsOn) ? [] : ['endsOn']),
    ...periods.flatMap((period, index) =>
      (['startsOn', 'endsOn'] as const)
        .filter((field) => !isCalendarDate(period[field]))
        .map((field) => `periods[${index}].${field}`),
    ),
  ];
  if (badDates.length > 0)
    refuse('dates-are-calendar-dates', 'Dates must be real dates written YYYY-MM-DD', { fields: badDates });
  // YYYY-MM-DD dates compare as strings.
  if (!(startsOn < endsOn))
    refuse('batch-starts-before-it-ends', 'A batch must start before it ends', { startsOn, endsOn });
  if (!(sharePercent > 0 && sharePercent <= 100)) {
    refuse('share-percent-in-range', 'A batch trains more than 0% and at most 100% of the teachers', { sharePercent });
  }

  if (periods.length === 0) refuse('periods-required', 'A batch needs at least one period');
  const periodIds = periods.map((period) => period.periodId);
  const repeated = periodIds.filter((id, index) => periodIds.indexOf(id) !== index);
  if (repeated.length > 0)
    refuse('period-ids-unique', 'Period ids must be unique within a batch', { periodIds: [...new Set(repeated)] });
  for (const period of periods) {
    if (period.startsOn > period.endsOn) {
      refuse('period-starts-before-it-ends', `Period ${period.periodId} ends before it starts`, {
        periodId: period.periodId,
      });
    }
    if (period.startsOn < startsOn || period.endsOn > endsOn) {
      refuse('period-inside-batch', `Period ${period.periodId} lies outside the batch ${startsOn} – ${endsOn}`, {
        periodId: period.periodId,
      });
    }
  }
  const overlap = firstOverlap(periods);
  if (overlap !== undefined) {
    refuse('periods-do-not-overlap', `Periods ${overlap[0]} and ${overlap[1]} overlap`, { periodIds: overlap });
  }

  const scheduledPercent = state.batches.reduce((sum, scheduled) => sum + scheduled.sharePercent, 0);
  if (scheduledPercent + sharePercent > 100) {
    refuse(
      'shares-add-up-to-at-most-100',
      `The batches would train ${scheduledPercent + sharePercent}% of the teachers`,
      {
        scheduledPercent,
        sharePercent,
      },
    );
  }
  // 每批分别完成…20%、40%、40%: the nth batch scheduled is the plan's nth (batches start in order).
  const plan = state.rulebook.batchSharesPercent;
  if (plan !== null) {
    const batchNumber = state.batches.length + 1;
    const planned = batchNumber <= plan.length ? plan[batchNumber - 1] : null;
    if (planned !== sharePercent) {
      throw new RuleViolation(
        'BATCH_SHARE_MISMATCH',
        planned === null
          ? `Rulebook ${state.rulebook.id} plans ${plan.length} batches; this would be batch ${batchNumber}`
          : `Batch ${batchNumber} of rulebook ${state.rulebook.id} trains ${planned}% of the teachers, not ${sharePercent}%`,
        { programmeId, batchId, batchNumber, sharePercent, plannedPercent: planned, plan },
      );
    }
  }
  // Batches may overlap in time (Jiangsu's batch 2 starts before batch 1 ends) but start in order.
  const previous = state.batches.reduce<ProgrammeBatch | undefined>(
    (latest, scheduled) => (latest === undefined || scheduled.startsOn > latest.startsOn ? scheduled : latest),
    undefined,
  );
  if (previous !== undefined && startsOn < previous.startsOn) {
    refuse('batches-start-in-order', `Batch ${batchId} would start before batch ${previous.batchId} starts`, {
      previousBatchId: previous.batchId,
      previousStartsOn: previous.startsOn,
    });
  }

  return [
    {
      type: 'BatchScheduled',
      data: {
        programmeId,
        batchId,
        name,
        startsOn,
        endsOn,
        sharePercent,
        periods,
        rulebook: state.rulebook,
        ownerUnitId: state.ownerUnitId,
      },
    },
  ];
}

/**
 * Moves the batch's last day later, with the reason (shown in views and notices). Decided on the
 * programme's stream with the batch's stream as lookup (the command names only the batch); the
 * event is copied to both. Refuses UNKNOWN_BATCH, BATCH_OVERLAPS_RULES (not a calendar date), then
 * NOT_LATER (the new end is not after the current one). The same extension again appends nothing.
 */
export function decideExtendBatch(command: ExtendBatch, state: ProgrammeState, batch: BatchState): BatchExtended[] {
  const { batchId, endsOn, reason } = command.data;
  if (batch.status !== 'scheduled' || state.status !== 'launched' || state.programmeId !== batch.programmeId) {
    throw new RuleViolation('UNKNOWN_BATCH', `Batch ${batchId} is not scheduled`, { batchId });
  }
  const last = batch.extensions.at(-1);
  if (last !== undefined && last.endsOn === endsOn && last.reason === reason) return [];
  if (!isCalendarDate(endsOn)) {
    throw new RuleViolation('BATCH_OVERLAPS_RULES', 'Dates must be real dates written YYYY-MM-DD', {
      rule: 'dates-are-calendar-dates',
      batchId,
      fields: ['endsOn'],
    });
  }
  if (!(endsOn > batch.endsOn)) {
    throw new RuleViolation(
      'NOT_LATER',
      `Batch ${batchId} already runs until ${batch.endsOn}; extend it to a later day`,
      {
        batchId,
        endsOn,
        currentEndsOn: batch.endsOn,
      },
    );
  }
  return [
    {
      type: 'BatchExtended',
      data: { programmeId: batch.programmeId, batchId, endsOn, previousEndsOn: batch.endsOn, reason },
    },
  ];
}

/** The first two periods (by start) that share a day; dates are inclusive. */
function firstOverlap(periods: Period[]): [string, string] | undefined {
  const sorted = [...periods].sort((a, b) => (a.startsOn < b.startsOn ? -1 : a.startsOn > b.startsOn ? 1 : 0));
  for (let index = 1; index < sorted.length; index++) {
    if (sorted[index].startsOn <= sorted[index - 1].endsOn) return [sorted[index - 1].periodId, sorted[index].periodId];
  }
  return undefined;
}
