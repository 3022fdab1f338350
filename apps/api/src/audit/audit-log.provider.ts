import { Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { Pool } from 'pg';
import { Clock, CLOCK } from '@tip/application';
import { AuditLog, KeySettings, migrateAuditTables, openCheckpointSigner } from '@tip/audit';
import { createPool, type EventStore } from '@tip/event-store';
import {
  DATABASE_URL,
  EVENT_STORE,
  nestEventStoreLogger,
  OWNER_DATABASE_URL,
} from '../infrastructure/event-store.provider';

export const AUDIT_LOG = Symbol('AUDIT_LOG');

export interface AuditSettings {
  keys: KeySettings;
  /** A signed head at least this often while the log grows (default a minute). */
  checkpointIntervalMs?: number;
}
export const AUDIT_SETTINGS = Symbol('AUDIT_SETTINGS');

/**
 * The tree builder and head signer of this process: it follows the log after commit and signs a
 * head every minute while the log grows and at each week's end (Asia/Shanghai). The signing key
 * comes from the keys directory (made on first start) or the KMS module, never the database.
 */
export const auditLogProvider: Provider = {
  provide: AUDIT_LOG,
  inject: [DATABASE_URL, EVENT_STORE, CLOCK, AUDIT_SETTINGS, { token: OWNER_DATABASE_URL, optional: true }],
  useFactory: async (
    databaseUrl: string,
    store: EventStore,
    clock: Clock,
    settings: AuditSettings,
    ownerDatabaseUrl: string | undefined,
  ) => {
    const logger = new Logger('Audit');
    const { signer, createdFile } = await openCheckpointSigner(settings.keys, { create: true });
    if (createdFile)
      logger.log(`Made the tree-head signing key ${createdFile} (keep it safe and back it up apart from the database)`);
    logger.log(
      `Tree heads are signed with Ed25519 key ${signer.keyId}; public key ${signer.publicKey.toString('base64')}`,
    );
    const pool = createPool({ connectionString: databaseUrl, max: 3, application_name: 'tip-audit' }, (error) =>
      logger.warn(`audit connection lost: ${error.message}`),
    );
    await migrateAuditTables(pool, ownerDatabaseUrl);
    const audit = new AuditLog({
      pool,
      store,
      signer,
      now: () => clock.now(),
      logger: nestEventStoreLogger('Audit'),
      intervalMs: settings.checkpointIntervalMs,
    });
    audit.start();
    return new RunningAuditLog(audit, pool);
  },
};

/** The audit log with what it holds open, closed when the app shuts down. */
@Injectable()
export class RunningAuditLog implements OnApplicationShutdown {
  constructor(
    readonly log: AuditLog,
    private readonly pool: Pool,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.log.stop();
    await this.pool.end();
  }
}
