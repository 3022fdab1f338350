import { reactive, readonly } from 'vue';
import { authApi } from '@/api/auth';
import { ApiError } from '@/api/http';
import type { BatchSummary, SessionUser } from '@/api/types';
import { viewsApi } from '@/api/views';

const BATCH_KEY = 'tip.batchId';

interface SessionState {
  /** Asked the API once who is signed in (undefined: not asked yet). */
  user: SessionUser | null | undefined;
  batches: BatchSummary[];
  batchId: string | undefined;
}

const state = reactive<SessionState>({ user: undefined, batches: [], batchId: undefined });

/** Who is signed in, and the batch the dashboards show: small enough to need no store library. */
export const session = readonly(state);

export async function loadSession(): Promise<SessionUser | null> {
  if (state.user !== undefined) return state.user;
  try {
    state.user = await authApi.me();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    state.user = null;
  }
  return state.user;
}

export async function signIn(username: string, password: string): Promise<SessionUser> {
  await authApi.login(username, password);
  // The session is the cookie; who it is comes from the same place as on every later visit.
  state.user = await authApi.me();
  state.batches = [];
  return state.user;
}

export async function signOut(): Promise<void> {
  try {
    await authApi.logout();
  } finally {
    forgetSession();
  }
}

export function forgetSession(): void {
  state.user = null;
  state.batches = [];
}

/** The batches the user may pick from, newest first; the one picked last time stays picked. */
export async function loadBatches(): Promise<BatchSummary[]> {
  if (state.batches.length === 0) state.batches = (await viewsApi.batches()).batches;
  const stored = localStorage.getItem(BATCH_KEY) ?? undefined;
  const known = (id: string | undefined) => id !== undefined && state.batches.some((batch) => batch.batchId === id);
  if (!known(state.batchId)) state.batchId = known(stored) ? stored : state.batches[0]?.batchId;
  return state.batches;
}

export function selectBatch(batchId: string): void {
  state.batchId = batchId;
  localStorage.setItem(BATCH_KEY, batchId);
}

export function currentBatch(): BatchSummary | undefined {
  return state.batches.find((batch) => batch.batchId === state.batchId);
}
