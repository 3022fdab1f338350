import { sessionStream, signInStream, tokenRevocationsStream, userStream } from './accounts/accounts.streams';
import { certificateStream, enrollmentStream } from './enrollment/enrollment.streams';
import { exemptionStream } from './exemption/exemption.streams';
import { inspectionStream } from './inspection/inspection.streams';
import { orgUnitStream, teacherStream } from './organisation/organisation.streams';
import { batchStream, programmeStream } from './programme/programme.streams';
import { quotaLedgerStream } from './quota/quota.streams';
import { schoolClosureStream } from './school-closure/school-closure.streams';
import { DomainEvent } from './shared/messages';
import { StreamType } from './shared/stream';

/** Every kind of stream TIP writes: the audit view finds a stream's type by its id's prefix. */
export const STREAM_TYPES: readonly StreamType<unknown, DomainEvent>[] = [
  orgUnitStream,
  teacherStream,
  programmeStream,
  batchStream,
  quotaLedgerStream,
  enrollmentStream,
  certificateStream,
  schoolClosureStream,
  inspectionStream,
  userStream,
  signInStream,
  sessionStream,
  tokenRevocationsStream,
  exemptionStream,
];
