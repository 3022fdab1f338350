import type { AbilityPoint, AbilityPointCatalogue } from './rulebook';
import { deepFreeze } from './plain-data';

const codes = (environment: string, count: number): AbilityPoint[] =>
  Array.from({ length: count }, (_, index) => ({
    code: `${environment}${index + 1}`,
    environment,
    name: null,
    dimension: null,
  }));

/**
 * The Ministry of Education's 2.0 micro-ability framework (提升工程2.0, 教师〔2019〕1号): 30
 * micro-abilities over three environments and four dimensions, numbered A1–A13, B1–B10, C1–C7
 * as one provincial training deck splits them. None of the four seeds lists the points, so names
 * and dimensions stay null; decks number the same points differently, which is why this is a
 * versioned catalogue rather than a fixed list.
 */
export const MOE_2_0_A13_B10_C7: AbilityPointCatalogue = deepFreeze({
  id: 'moe-2.0-micro-abilities',
  version: 'A13-B10-C7',
  source:
    '教育部 中小学教师信息技术应用能力提升工程2.0 微能力点 framework (教师〔2019〕1号): 30 micro-abilities, ' +
    'environments A 多媒体教学环境 / B 混合学习环境 / C 智慧学习环境, dimensions 学情分析 / 教学设计 / 学法指导 / 学业评价; ' +
    'numbered A1–A13, B1–B10, C1–C7 after a provincial training deck (not one of the seeds). ' +
    'Point names and per-point dimensions are not in the seeds and are left null.',
  environments: [
    { code: 'A', name: '多媒体教学环境' },
    { code: 'B', name: '混合学习环境' },
    { code: 'C', name: '智慧学习环境' },
  ],
  dimensions: [
    { code: 'learner-analysis', name: '学情分析' },
    { code: 'instructional-design', name: '教学设计' },
    { code: 'learning-guidance', name: '学法指导' },
    { code: 'assessment', name: '学业评价' },
  ],
  points: [...codes('A', 13), ...codes('B', 10), ...codes('C', 7)],
});
