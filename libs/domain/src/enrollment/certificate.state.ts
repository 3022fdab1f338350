import { Decider } from '../shared/decider';
import { CertificateIssued, CertificateRevoked } from './enrollment.events';

/** What a certificate's own stream (`certificate-{code}`) holds: its issue, then perhaps its revocation. */
export type CertificateEvent = CertificateIssued | CertificateRevoked;

export type IssuedCertificate = CertificateIssued['data'] & {
  status: 'valid' | 'revoked';
  revocation: { reason: string; revokedAt: string } | null;
};
export type CertificateState = { status: 'not-issued' } | IssuedCertificate;

export function evolveCertificate(state: CertificateState, event: CertificateEvent): CertificateState {
  if (event.type === 'CertificateIssued') return { ...event.data, status: 'valid', revocation: null };
  // Total over any history: a revocation of nothing, or a second one, changes nothing.
  if (state.status !== 'valid') return state;
  return { ...state, status: 'revoked', revocation: { reason: event.data.reason, revokedAt: event.data.revokedAt } };
}

/** Folds a certificate stream: `fold(certificateEvolver, events)`. */
export const certificateEvolver: Pick<Decider<never, CertificateEvent, CertificateState>, 'evolve' | 'initialState'> = {
  evolve: evolveCertificate,
  initialState: () => ({ status: 'not-issued' }),
};
