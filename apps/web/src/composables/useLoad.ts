import { ref, shallowRef, watch, type WatchSource } from 'vue';

/**
 * Loads what a page shows, again whenever its inputs change; only the latest answer lands, so a
 * quick change of batch never shows the previous batch's figures.
 */
export function useLoad<T>(load: () => Promise<T> | undefined, sources: WatchSource[] = []) {
  const data = shallowRef<T>();
  const error = shallowRef<unknown>();
  const loading = ref(false);
  let latest = 0;

  async function reload(): Promise<void> {
    const promise = load();
    if (!promise) return;
    const call = ++latest;
    loading.value = true;
    error.value = undefined;
    try {
      const answer = await promise;
      if (call === latest) data.value = answer;
    } catch (failure) {
      if (call === latest) error.value = failure;
    } finally {
      if (call === latest) loading.value = false;
    }
  }

  watch(sources, () => void reload(), { immediate: true });
  return { data, error, loading, reload };
}
