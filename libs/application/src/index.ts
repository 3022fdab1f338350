export * from './ports/event-streams';
export * from './ports/clock';
export * from './ports/idempotency-store';
export * from './command-pipeline/errors';
export * from './command-pipeline/use-case';
export * from './command-pipeline/command-pipeline';
export * from './use-cases';
export * from './ports/id-number-vault';
