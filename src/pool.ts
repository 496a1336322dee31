/** The one concurrency helper: run `fn` over `items` with at most `limit` at a time, in order of the items. */
export async function forEachConcurrent<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** `forEachConcurrent` that keeps each item's result at the item's index. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  await forEachConcurrent(items, limit, async (item, i) => {
    out[i] = await fn(item, i);
  });
  return out;
}
