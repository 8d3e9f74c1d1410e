/**
 * The in-memory transaction's undo log keeps one of these per overwritten map entry: a small
 * object rather than a closure per write, since every write of every command records one.
 */
/** Puts one map entry back as it was (the common undo step). */
export class MapEntryUndo<K, V> {
  constructor(
    private readonly map: Map<K, V>,
    private readonly key: K,
    private readonly had: boolean,
    private readonly prev: V | undefined,
  ) {}

  restore(): void {
    if (this.had) this.map.set(this.key, this.prev as V);
    else this.map.delete(this.key);
  }
}
