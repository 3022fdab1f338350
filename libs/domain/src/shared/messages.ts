/** Roles of the contract; `system` is the platform itself (imports, the course-platform feed). */
export const ROLES = [
  'system',
  'province-admin',
  'city-admin',
  'county-admin',
  'school-admin',
  'group-leader',
  'teacher',
  'inspector',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  sub: string;
  role: Role;
  /** The org unit the actor belongs to; for a teacher, their school. */
  unitId?: string;
}

/** What every command carries besides its data: who asks, and the business time of asking. */
export interface CommandMetadata {
  /** ISO-8601 business time: the server's clock, or the original time of imported history. */
  now: string;
  actor: Actor;
}

export interface Command<Type extends string = string, Data extends object = object> {
  type: Type;
  data: Data;
  metadata: CommandMetadata;
}

/** What a decider emits: plain data; the event store adds ids, times and the actor. */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  type: Type;
  data: Data;
}
