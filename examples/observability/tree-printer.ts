import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * A span processor that prints each trace as a tree on the console when flushed: span names,
 * status and attributes, children under their parent in the order they started. Ids and timings
 * are left out so the printout is the same on every run (the SDK's ConsoleSpanExporter prints
 * them all: run the example with --raw).
 */
export class TreePrinter implements SpanProcessor {
  private readonly started = new Map<string, number>();
  private readonly ended: ReadableSpan[] = [];

  constructor(private readonly write: (line: string) => void = (line) => console.log(line)) {}

  onStart(span: Span, _parent: Context): void {
    this.started.set(span.spanContext().spanId, this.started.size);
  }

  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }

  /** Prints the traces ended since the last flush, in the order their first span started. */
  async forceFlush(): Promise<void> {
    const order = (s: ReadableSpan) => this.started.get(s.spanContext().spanId) ?? 0;
    const ids = new Set(this.ended.map((s) => s.spanContext().spanId));
    const children = new Map<string | undefined, ReadableSpan[]>();
    for (const span of this.ended) {
      const parent = span.parentSpanContext?.spanId;
      const key = parent && ids.has(parent) ? parent : undefined;
      children.set(key, [...(children.get(key) ?? []), span]);
    }
    for (const list of children.values()) list.sort((a, b) => order(a) - order(b));
    const print = (span: ReadableSpan, indent: string, last: boolean, root: boolean) => {
      const status = span.status.code === 2 ? `  ✗ ${span.status.message ?? 'error'}` : '';
      this.write(`${indent}${root ? '' : last ? '└─ ' : '├─ '}${span.name}${status}`);
      const inner = root ? '   ' : `${indent}${last ? '   ' : '│  '}`;
      const kids = children.get(span.spanContext().spanId) ?? [];
      for (const [key, value] of Object.entries(span.attributes)) {
        this.write(`${inner}${kids.length > 0 ? '│ ' : '  '} ${key} = ${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`);
      }
      kids.forEach((kid, i) => print(kid, inner, i === kids.length - 1, false));
    };
    for (const root of children.get(undefined) ?? []) {
      print(root, '', true, true);
      this.write('');
    }
    this.ended.length = 0;
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}
