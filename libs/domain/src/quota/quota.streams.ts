import { streamType } from '../shared/stream';
import { QuotaEvent } from './quota.events';
import { evolveQuotaLedger, initialQuotaLedger, QuotaLedger } from './quota.ledger';

/** `quota-{batchId}:{periodId}:{unitId}`: one unit's seats in one period. */
export const quotaLedgerStream = streamType<QuotaLedger, QuotaEvent>({
  category: 'quota',
  eventTypes: {
    QuotaAllocated: true,
    QuotaReceived: true,
    QuotaRevoked: true,
    QuotaTakenBack: true,
    SeatTaken: true,
    SeatReleased: true,
  },
  evolve: evolveQuotaLedger,
  initialState: initialQuotaLedger,
});
