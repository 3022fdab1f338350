import { streamType } from '../shared/stream';
import { CertificateEvent, CertificateState, evolveCertificate } from './certificate.state';
import { EnrollmentEvent } from './enrollment.events';
import { EnrollmentState, evolveEnrollment, initialEnrollment } from './enrollment.state';

/** `enrollment-{batchId}:{teacherId}`: one teacher's whole record in one batch. */
export const enrollmentStream = streamType<EnrollmentState, EnrollmentEvent>({
  category: 'enrollment',
  eventTypes: {
    TeacherEnrolled: true,
    EnrollmentConfirmed: true,
    TeacherWithdrawn: true,
    TeacherTransferred: true,
    AbilityPointsSelected: true,
    OnlineHoursRecorded: true,
    PracticeEvidenceSubmitted: true,
    PeerReviewRecorded: true,
    EvidenceReturned: true,
    PracticeAssessed: true,
    OfflineHoursRecorded: true,
    CertificateIssued: true,
    CertificateRevoked: true,
  },
  evolve: evolveEnrollment,
  initialState: initialEnrollment,
});

/** A certificate's own stream, found by its public code alone (verification, revocation). */
export function certificateStreamId(code: string): string {
  return `certificate-${code}`;
}

/** `certificate-{code}`: copies of the certificate's events from the teacher's record. */
export const certificateStream = streamType<CertificateState, CertificateEvent>({
  category: 'certificate',
  eventTypes: { CertificateIssued: true, CertificateRevoked: true },
  evolve: evolveCertificate,
  initialState: () => ({ status: 'not-issued' }),
});
