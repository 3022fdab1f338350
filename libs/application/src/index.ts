export * from './ports/event-streams';
export * from './ports/clock';
export * from './ports/randomness';
export * from './ports/idempotency-store';
export * from './ports/id-number-vault';
export * from './commands/errors';
export * from './commands/command-result';
export * from './commands/command-slice';
export * from './commands/scope';
export * from './commands/command-gateway';
export { StreamCache } from './commands/stream-cache';
export type { BatchAnswer } from './commands/command-batch';
export { importEnvelope } from './commands/import-envelope';
export { uuidFrom } from './commands/uuid-from';
export { contractCommands } from './slices';
export { identifier } from './slices/identifiers';
export {
  certificateCode,
  CERTIFICATE_CODE,
  characterCount,
  characters,
  instant,
  jsonSchemaExtras,
  jsonSchemaHints,
  printable,
  printableJsonSchema,
  text,
  unstorableText,
} from './slices/text';
export * from './audit';
export * from './queries/query-parameters';
export * from './ports/credential-vault';
export * from './accounts';
