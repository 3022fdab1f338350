export * from './quota.commands';
export * from './quota.events';
export type { QuotaRuleCode } from './quota.errors';
export * from './quota.ledger';
export * from './quota.decider';
export * from './quota.streams';
export * from './quota.decisions';
