export * from './audit-queries';
export * from './stream-states';
