/** A fixed number of reusable resources (browser tabs); a broken one is destroyed and replaced on demand. */
export interface Pool<T> {
  /** Runs `work` with a resource; if `work` throws, the resource is destroyed rather than reused. */
  use<R>(work: (item: T) => Promise<R>): Promise<R>;
  /** Starts creating resources up to `count` (at most `size`, the default) ahead of the first `use` (a tab takes some 100 ms to open); `use` takes them as they come. */
  fill(count?: number): void;
  /** Destroys idle resources (and those still being filled) and refuses new work; waits for nothing in flight. */
  drain(): Promise<void>;
}

/** A lazily filled pool of at most `size` resources. */
export function createPool<T>(options: { size: number; create: () => Promise<T>; destroy: (item: T) => Promise<void>; valid?: (item: T) => boolean }): Pool<T> {
  const { size, create, destroy, valid = () => true } = options;
  if (!Number.isInteger(size) || size < 1) throw new Error(`Pool size must be a whole number ≥ 1, got ${size}.`);
  const idle: T[] = [];
  // resources `fill` is creating; one that fails to be created is undefined (`use` then creates its own)
  const opening: Promise<T | undefined>[] = [];
  const waiting: (() => void)[] = [];
  let busy = 0;
  let closed = false;

  const acquireSlot = async (): Promise<void> => {
    while (busy >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    busy++;
  };
  const releaseSlot = (): void => {
    busy--;
    waiting.shift()?.();
  };
  const destroyQuietly = (item: T): Promise<void> => destroy(item).catch(() => undefined);

  return {
    async use(work) {
      if (closed) throw new Error('The pool is closed.');
      await acquireSlot();
      let item: T | undefined;
      try {
        // An idle resource that went bad while it waited (its browser died) is replaced, not handed out.
        while (item === undefined && idle.length > 0) {
          const old = idle.pop()!;
          if (valid(old)) item = old;
          else await destroyQuietly(old);
        }
        while (item === undefined && opening.length > 0) {
          const next = await opening.shift()!;
          if (next !== undefined && valid(next)) item = next;
          else if (next !== undefined) await destroyQuietly(next);
        }
        item ??= await create();
        const result = await work(item);
        if (closed) await destroyQuietly(item);
        else idle.push(item);
        return result;
      } catch (err) {
        if (item !== undefined) await destroyQuietly(item);
        throw err;
      } finally {
        releaseSlot();
      }
    },
    fill(count = size) {
      if (closed) return;
      for (let n = Math.min(count, size) - busy - idle.length - opening.length; n > 0; n--) opening.push(create().catch(() => undefined));
    },
    async drain() {
      closed = true;
      const filled = await Promise.all(opening.splice(0));
      await Promise.all([...idle.splice(0), ...filled.filter((item) => item !== undefined)].map(destroyQuietly));
    },
  };
}
