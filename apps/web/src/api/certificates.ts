import { http } from './http';
import type { CertificateCheck } from './types';

/** Anyone may check a certificate by its code: no sign-in. */
export const certificatesApi = {
  check: (code: string) => http.get<CertificateCheck>(`/certificates/${encodeURIComponent(code)}`),
  /** The public page a QR code points to. */
  verificationUrl: (code: string) => `${window.location.origin}/verify/${encodeURIComponent(code)}`,
};
