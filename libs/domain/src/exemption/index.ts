export * from './exemption.commands';
export * from './exemption.events';
export * from './exemption.decider';
export * from './exemption.streams';
export * from './exemption.decisions';
