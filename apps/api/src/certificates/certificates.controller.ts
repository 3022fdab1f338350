import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { z } from 'zod';
import { certificateCode, parseQuery } from '@tip/application';
import { certificateStreamId, fold, TeacherEvent, teacherDecider, teacherStreamId } from '@tip/domain';
import type { EventStore } from '@tip/event-store';
import { EVENT_STORE } from '../infrastructure/event-store.provider';

/** Shows a name's first character only: enough to recognise, not enough to identify. */
export function maskName(name: string): string {
  const characters = [...name];
  return characters.length <= 1 ? '*' : `${characters[0]}${'*'.repeat(characters.length - 1)}`;
}

interface CertificateIssuedData {
  certificateCode: string;
  batchId: string;
  teacherId: string;
  hours: Record<string, number>;
  totalHours: number;
  grade: string | null;
  issuedAt: string;
}

/**
 * Anyone holding a certificate's code can check it, without a token: valid or revoked, the
 * holder's masked name, the batch and the hours. Nothing else about the teacher.
 */
@Controller('certificates')
export class CertificatesController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':code')
  async verify(@Param() params: unknown) {
    const { code } = parseQuery(z.object({ code: certificateCode }), params);
    const events = await this.store.readStream(certificateStreamId(code));
    const issued = events.find((event) => event.type === 'CertificateIssued');
    if (!issued) throw new NotFoundException(`No certificate has the code ${code}`);
    const data = issued.data as unknown as CertificateIssuedData;
    const revoked = events.find((event) => event.type === 'CertificateRevoked');
    const teacher = fold(
      teacherDecider(),
      (await this.store.readStream(teacherStreamId(data.teacherId))) as unknown as TeacherEvent[],
    );
    return {
      code: data.certificateCode,
      status: revoked ? 'revoked' : 'valid',
      ...(revoked ? { revokedAt: revoked.metadata.businessTime } : {}),
      holder: teacher.status === 'registered' ? maskName(teacher.name) : '*',
      batchId: data.batchId,
      hours: data.hours,
      totalHours: data.totalHours,
      grade: data.grade,
      issuedAt: data.issuedAt,
    };
  }
}
