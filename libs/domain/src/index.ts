export * from './shared/decider';
export * from './shared/messages';
export * from './shared/rule-violation';
export * from './quota';
export * from './organisation';
export * from './programme';
