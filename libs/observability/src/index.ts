export * from './metrics';
export * from './metrics-server';
export * from './metrics-environment';
export * from './logging';
export * from './tracing';
