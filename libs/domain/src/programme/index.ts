export * from './rulebook';
export * from './rulebook-validation';
export * from './rulebook-queries';
export * from './ability-point-catalogues';
export * from './programme.commands';
export * from './programme.events';
export * from './programme.decider';
export * from './batch';
