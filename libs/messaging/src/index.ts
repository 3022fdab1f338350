export * from './port/message-broker';
export * from './kafkajs/kafkajs-broker';
export * from './integration-events';
export * from './relay/event-relay';
export * from './kafka-settings';
export * from './worker-process';
