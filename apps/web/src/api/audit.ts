import { http } from './http';
import type { AuditEvent } from './types';

const path = encodeURIComponent;

/** The auditors' window on the log (roles auditor and system). */
export const auditApi = {
  stream: (streamId: string) =>
    http.get<{ streamId: string; events: AuditEvent[] }>(`/audit/streams/${path(streamId)}`),
  stateAsOf: (streamId: string, asOf: string) => http.get<unknown>(`/audit/streams/${path(streamId)}/state`, { asOf }),
  events: (fromPosition: number, limit = 50) =>
    http.get<{ events: AuditEvent[]; nextPosition?: number }>('/audit/events', { fromPosition, limit }),
  verify: () => http.get<Record<string, unknown> & { ok?: boolean; intact?: boolean }>('/audit/verify'),
  /** Signed tree heads over the whole log, newest first, with the log's public key. */
  checkpoints: () =>
    http.get<{
      algorithm: string;
      keyId: string;
      publicKey: string;
      checkpoints: {
        id: number;
        treeSize: number;
        rootHash: string;
        signedAt: string;
        reason: string;
        signature: string;
      }[];
    }>('/audit/checkpoints'),
};
