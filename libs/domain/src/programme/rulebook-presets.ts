import { RuleViolation } from '../shared/rule-violation';
import type { Rulebook } from './rulebook';
import { JIANGSU_2_0 } from './rulebooks/jiangsu-2.0';
import { LIANYUNGANG_1_0 } from './rulebooks/lianyungang-1.0';
import { NINGDE_1_0 } from './rulebooks/ningde-1.0';
import { YUEYANG_2_0 } from './rulebooks/yueyang-2.0';

/** The built-in rulebooks, one per region of the seeds; each lives in rulebooks/ beside the notice it follows. */
const PRESETS: Readonly<Record<string, Rulebook>> = {
  'jiangsu-2.0': JIANGSU_2_0,
  'lianyungang-1.0': LIANYUNGANG_1_0,
  'ningde-1.0': NINGDE_1_0,
  'yueyang-2.0': YUEYANG_2_0,
};

export const PRESET_RULEBOOK_NAMES: readonly string[] = Object.keys(PRESETS);

/** A built-in rulebook by name; refuses an unknown name with UNKNOWN_RULEBOOK. */
export function presetRulebook(name: string): Rulebook {
  const preset = Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : undefined;
  if (preset === undefined) {
    throw new RuleViolation('UNKNOWN_RULEBOOK', `No rulebook named ${name}`, {
      rulebook: name,
      known: PRESET_RULEBOOK_NAMES,
    });
  }
  return preset;
}

export function isPresetRulebookName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}
