/**
 * A shallow copy of a plain record that keys will be added to. `{ ...record }` gives V8 a copy
 * whose hidden class has no transitions to share, so every key added to it afterwards builds a
 * new one: on Node 20, `{ ...record, newKey }` costs ~1.5 µs, this copy plus the key ~0.15 µs.
 * Where a copy only overrides keys it already has, spread is as fast; use it there.
 */
export function extensibleCopy<T extends object>(record: T): T {
  // Object.assign sets `__proto__` through the prototype's setter; spread defines it as data.
  if (Object.hasOwn(record, '__proto__')) return { ...record };
  return Object.assign({}, record);
}

/** `record` with `key` set to `value`, as `{ ...record, [key]: value }` but cheap when the key is new. */
export function withKey<T extends object, K extends string, V>(record: T, key: K, value: V): T & Record<K, V> {
  const out = extensibleCopy(record) as T & Record<K, V>;
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else (out as Record<string, unknown>)[key] = value;
  return out;
}
