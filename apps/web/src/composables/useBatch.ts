import { computed, onMounted } from 'vue';
import { currentBatch, loadBatches, session } from '@/stores/session';

/** The batch the user picked in the header (the newest one to begin with). */
export function useBatch() {
  onMounted(() => void loadBatches().catch(() => undefined));
  return {
    batchId: computed(() => session.batchId),
    batch: computed(() => (session.batchId ? currentBatch() : undefined)),
    batches: computed(() => session.batches),
  };
}
