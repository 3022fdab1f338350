import { Controller, Get, NotFoundException, Param, UseGuards } from '@nestjs/common';
import { isPresetRulebookName, presetRulebook, PRESET_RULEBOOK_NAMES } from '@tip/domain';
import { AuthGuard } from '../auth/auth.guard';
import { presetSummaries } from './rulebook-summary';

/**
 * The built-in rulebooks LaunchProgramme accepts by name: every role may read them (any valid
 * token), since choosing one is the first step of a programme.
 */
@Controller('rulebooks')
@UseGuards(AuthGuard)
export class RulebooksController {
  @Get()
  list() {
    return { rulebooks: presetSummaries() };
  }

  @Get(':name')
  one(@Param('name') name: string) {
    if (!isPresetRulebookName(name)) {
      throw new NotFoundException(`No rulebook is named ${name}; the presets are ${PRESET_RULEBOOK_NAMES.join(', ')}`);
    }
    return presetRulebook(name);
  }
}
