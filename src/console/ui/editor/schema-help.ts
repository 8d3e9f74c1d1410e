/**
 * What the JSON Schema says about a place in a document, for the editor: validation (by
 * json-schema-library, which implements draft 2020-12 without generating code, so the console's
 * CSP holds), and the descriptions and allowed keys and values behind hover and completion.
 * Half-typed documents match no branch of a union; then every branch is offered.
 */
import { compileSchema, type SchemaNode } from 'json-schema-library';
import { type JsonPath, parsePointer } from './json-paths.js';

export type Schema = Record<string, any>;

/** A problem the schema finds, at its path. */
export interface SchemaProblem {
  path: JsonPath;
  /** Whether the property's name is the problem (one the schema does not allow), not its value. */
  key: boolean;
  message: string;
}

/** A key or value the schema allows at a place, and what it says about it. */
export interface Option {
  label: string;
  detail: string | null;
}

export class SchemaHelp {
  private readonly node: SchemaNode;

  constructor(private readonly schema: Schema) {
    this.node = compileSchema(schema);
  }

  /** Every problem the schema finds in the document; a failed union says which of its keys picks the branch, when one does. */
  validate(data: unknown): SchemaProblem[] {
    const { errors } = this.node.validate(data);
    const out: SchemaProblem[] = [];
    for (const e of errors) {
      const pointer = String((e.data as { pointer?: unknown })?.pointer ?? '#');
      const path = parsePointer(pointer);
      if (e.code === 'no-additional-properties-error') {
        const allowed = this.keys(path.slice(0, -1), data).map((o) => o.label);
        out.push({ path, key: true, message: `${String(path.at(-1))} is not allowed here${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}` });
      } else if (e.code === 'one-of-error' || e.code === 'any-of-error') {
        out.push(...this.union(path, data, e.message));
      } else if (e.code === 'pattern-error') {
        // A pattern is unreadable as a message: say what the place holds (its description), and what was written.
        const described = this.at(path, data).find((x) => typeof x.description === 'string');
        const received = valueAt(data, path);
        out.push({ path, key: false, message: described ? `${JSON.stringify(received)} is not valid here: ${described.description}` : plain(e.message) });
      } else out.push({ path, key: false, message: plain(e.message) });
    }
    return out;
  }

  /**
   * A union nothing matched: the branch the value means, and the problems against it, under this
   * path. The branch is the only one of the value's JSON type (a rule file is an array of rules or
   * a document), else the one a key's constant picks (a trigger's `type`: when it picks none, that
   * key's allowed values are the problem), else the one whose required keys the value has (a
   * condition with `fact` and `operator`); failing all, the library's own message.
   */
  private union(path: JsonPath, data: unknown, fallback: string): SchemaProblem[] {
    const value = valueAt(data, path);
    const holders = path.length === 0 ? [this.schema] : this.at(path.slice(0, -1), data).flatMap((s) => child(s, path.at(-1)!));
    const branches = holders
      .map((h) => this.deref(h))
      .flatMap((h) => [...(h?.oneOf ?? []), ...(h?.anyOf ?? [])])
      .map((b: Schema) => this.deref(b))
      .filter((b): b is Schema => b !== undefined)
      .filter((b) => b.type === undefined || [b.type].flat().includes(jsonType(value)) || (b.type === 'number' && jsonType(value) === 'integer'));
    let picked: Schema | undefined = branches.length === 1 ? branches[0] : undefined;
    if (!picked && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      for (const key of discriminators(branches)) {
        if (!(key in record)) continue;
        const constOf = (b: Schema) => this.deref(b.properties?.[key])?.const;
        picked = branches.find((b) => constOf(b) === record[key]);
        if (!picked) {
          const allowed = [...new Set(branches.flatMap((b) => (constOf(b) === undefined ? [] : [JSON.stringify(constOf(b))])))];
          return [{ path: [...path, key], key: false, message: `${key} must be one of ${allowed.join(', ')}` }];
        }
        break;
      }
      picked ??= branches.find((b) => Array.isArray(b.required) && b.required.length > 0 && b.required.every((k: string) => k in record));
    }
    if (!picked) return [{ path, key: false, message: fallback }];
    // The branch, checked the same way (its own unions explained too), under this path.
    const problems = new SchemaHelp({ ...picked, $defs: this.schema.$defs }).validate(value).map((p) => ({ ...p, path: [...path, ...p.path] }));
    return problems.length > 0 ? problems : [{ path, key: false, message: fallback }];
  }

  /** The description of the key or value at a path, with its allowed values. */
  describe(path: JsonPath, data: unknown): string | null {
    const schemas = this.at(path, data);
    const parts: string[] = [];
    const described = schemas.find((s) => typeof s.description === 'string' || typeof s.title === 'string');
    if (described) parts.push(String(described.description ?? described.title));
    const values = this.values(path, data);
    if (values.length > 0 && values.length <= 40) parts.push(`One of: ${values.map((v) => v.label).join(', ')}`);
    else {
      const types = [...new Set(schemas.flatMap((s) => (s.type === undefined ? [] : [s.type].flat())))];
      if (types.length > 0) parts.push(`Type: ${types.join(' or ')}`);
    }
    return parts.length > 0 ? parts.join('\n') : null;
  }

  /** The keys an object at a path may have. */
  keys(path: JsonPath, data: unknown): Option[] {
    const out = new Map<string, Option>();
    for (const s of this.at(path, data)) {
      for (const [key, sub] of Object.entries(s.properties ?? {})) {
        if (out.has(key)) continue;
        const d = this.deref(sub as Schema);
        out.set(key, { label: key, detail: typeof d?.description === 'string' ? d.description : null });
      }
    }
    return [...out.values()];
  }

  /** The values allowed at a path: its enums and constants (a union's discriminating key lists every branch's). */
  values(path: JsonPath, data: unknown): Option[] {
    const out = new Map<string, Option>();
    // The value being typed must not narrow the union it is chosen from.
    for (const s of this.at(path, without(data, path))) {
      const description = typeof s.description === 'string' ? s.description : null;
      if (s.const !== undefined) out.set(JSON.stringify(s.const), { label: JSON.stringify(s.const), detail: description });
      for (const v of s.enum ?? []) if (!out.has(JSON.stringify(v))) out.set(JSON.stringify(v), { label: JSON.stringify(v), detail: description });
      if (s.type === 'boolean') for (const v of ['true', 'false']) out.set(v, { label: v, detail: description });
      // A pattern that ends in a choice of words (an operator after its decorators) offers the words.
      const words = typeof s.pattern === 'string' ? /\(\?:([\w|]+)\)\$$/.exec(s.pattern)?.[1] : undefined;
      for (const w of words?.split('|') ?? []) if (!out.has(JSON.stringify(w))) out.set(JSON.stringify(w), { label: JSON.stringify(w), detail: description });
    }
    return [...out.values()];
  }

  /** The schemas that may apply at a path, given the document (unions narrowed by what is typed where they can be). */
  private at(path: JsonPath, data: unknown): Schema[] {
    let current = this.expand([this.schema], data);
    let value: unknown = data;
    for (const step of path) {
      value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[step] : undefined;
      current = this.expand(
        current.flatMap((s) => child(s, step)),
        value,
      );
    }
    return current;
  }

  /** A schema's $ref followed (within this document). */
  private deref(s: Schema | undefined): Schema | undefined {
    let out = s;
    for (let hops = 0; out && typeof out.$ref === 'string' && hops < 20; hops++) {
      out = parsePointer(out.$ref).reduce<Schema | undefined>((node, step) => node?.[step], this.schema);
    }
    return out;
  }

  /** $ref, allOf, if/then/else and unions flattened: the branches a value may match, narrowed by its constants. */
  private expand(schemas: Schema[], value: unknown, depth = 0): Schema[] {
    if (depth > 10) return schemas;
    const out: Schema[] = [];
    for (const raw of schemas) {
      const s = this.deref(raw);
      if (!s || typeof s !== 'object') continue;
      out.push(s);
      if (Array.isArray(s.allOf)) out.push(...this.expand(s.allOf, value, depth + 1));
      if (s.if && s.then) {
        const ifs = this.deref(s.if);
        const matches = Object.entries(ifs?.properties ?? {}).every(
          ([k, c]) => value !== null && typeof value === 'object' && this.deref(c as Schema)?.const === (value as Record<string, unknown>)[k],
        );
        if (matches) out.push(...this.expand([s.then], value, depth + 1));
        else if (s.else) out.push(...this.expand([s.else], value, depth + 1));
      }
      for (const union of [s.oneOf, s.anyOf]) {
        if (!Array.isArray(union)) continue;
        const branches = union.map((b: Schema) => this.deref(b)!).filter(Boolean);
        const fitting = branches.filter((b: Schema) => this.fits(b, value));
        out.push(...this.expand(fitting.length > 0 ? fitting : branches, value, depth + 1));
      }
    }
    return out;
  }

  /** Whether a value could match a branch: its constants agree, and it has no key the branch forbids. */
  private fits(branch: Schema, value: unknown): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return true;
    const props = branch.properties ?? {};
    for (const [k, sub] of Object.entries(props)) {
      const c = this.deref(sub as Schema)?.const;
      if (c !== undefined && k in value && (value as Record<string, unknown>)[k] !== c) return false;
    }
    if (branch.additionalProperties === false) for (const k of Object.keys(value)) if (!(k in props)) return false;
    return true;
  }
}

/** A sub-schema for one step: a property's, an item's. */
function child(s: Schema, step: string | number): Schema[] {
  if (typeof step === 'number') {
    if (Array.isArray(s.prefixItems) && s.prefixItems[step]) return [s.prefixItems[step]];
    return s.items && typeof s.items === 'object' ? [s.items] : [];
  }
  if (s.properties?.[step]) return [s.properties[step]];
  return s.additionalProperties && typeof s.additionalProperties === 'object' ? [s.additionalProperties] : [];
}

/** The keys whose constant tells a union's branches apart (`type`). */
function discriminators(branches: Schema[]): string[] {
  const keys = new Set<string>();
  for (const b of branches) for (const [k, v] of Object.entries(b.properties ?? {})) if ((v as Schema)?.const !== undefined) keys.add(k);
  return [...keys];
}

/** A library message without the pointers it quotes (the editor shows the place itself). */
function plain(message: string): string {
  return message.replace(/ (?:in|at) `#[^`]*`/g, '');
}

/** A value's JSON Schema type. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The document with the value at a path left out (copies only along the path). */
function without(data: unknown, path: JsonPath): unknown {
  if (path.length === 0 || data === null || typeof data !== 'object') return path.length === 0 ? undefined : data;
  const [head, ...rest] = path;
  const copy = (Array.isArray(data) ? [...data] : { ...(data as Record<string, unknown>) }) as Record<string | number, unknown>;
  if (rest.length === 0) delete copy[head!];
  else copy[head!] = without(copy[head!], rest);
  return copy;
}

function valueAt(data: unknown, path: JsonPath): unknown {
  let v = data;
  for (const step of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[step] : undefined;
  return v;
}
