import { fold } from '../shared/decider';
import { CertificateEvent, certificateEvolver } from './certificate.state';

describe('a certificate stream, folded', () => {
  const issued: CertificateEvent = {
    type: 'CertificateIssued',
    data: {
      certificateCode: 'TIP-A',
      batchId: 'B',
      periodId: '1',
      teacherId: 'T-1',
      schoolId: 'S1',
      hours: { online: 30 },
      totalHours: 30,
      grade: null,
      issuedAt: '2016-12-01T00:00:00.000Z',
    },
  };
  const revoked: CertificateEvent = {
    type: 'CertificateRevoked',
    data: {
      certificateCode: 'TIP-A',
      batchId: 'B',
      teacherId: 'T-1',
      reason: 'forged hours',
      revokedAt: '2017-01-05T00:00:00.000Z',
    },
  };

  it('is valid once issued and revoked after a revocation, which a second one does not move', () => {
    expect(fold(certificateEvolver, [])).toEqual({ status: 'not-issued' });
    expect(fold(certificateEvolver, [issued])).toMatchObject({
      status: 'valid',
      certificateCode: 'TIP-A',
      revocation: null,
    });
    const again = { ...revoked, data: { ...revoked.data, reason: 'again', revokedAt: '2018-01-01T00:00:00.000Z' } };
    expect(fold(certificateEvolver, [issued, revoked, again])).toMatchObject({
      status: 'revoked',
      revocation: { reason: 'forged hours', revokedAt: '2017-01-05T00:00:00.000Z' },
    });
  });
});
