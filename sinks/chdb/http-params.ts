/**
 * Query parameters as ClickHouse's HTTP interface receives them (`param_<name>=<text>`), turned
 * into values chdb binds to the same result.
 *
 * The server reads a parameter's text with the Escaped deserialization of the type its
 * `{name:Type}` placeholder declares. chdb binds through the same engine path, but takes
 * JavaScript values and formats them itself: a string goes through TSV escaping (`\` `\t` `\n`
 * ... doubled), everything else as a SQL literal. Its binding also has to stay on chdb's own
 * call path: parameterized statements of different connections are serialized there, because
 * the engine's parameter state is not isolated per connection (chdb 3.4 README and index.js).
 * So each text becomes the value that chdb formats back into text the engine reads identically:
 * - text with nothing TSV escaping would change (no backslash, no control character) is passed
 *   unchanged: chdb's formatting is the identity on it, so the engine sees the exact bytes;
 * - a scalar with escapes is unescaped (`\N` alone is NULL), and chdb escapes it again;
 * - an Array, Tuple or Map with escapes inside its quoted strings is parsed into arrays, tuples,
 *   maps, strings and numbers, which chdb writes back as a literal of the same value.
 */

/** chdb's tuple marker: its serializer recognises a value by this constructor name and `values`. */
class TupleParam {
  constructor(readonly values: unknown[]) {}
}

/** A parameter the endpoint cannot bind; reported as ClickHouse's BAD_QUERY_PARAMETER. */
export class ParamError extends Error {}

/** Bindable values for raw HTTP parameter texts, by the types the placeholders in `sql` declare. */
export function bindableParams(sql: string, raw: Readonly<Record<string, string>>): Record<string, unknown> {
  const types = placeholderTypes(sql);
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(raw)) out[name] = bindableValue(text, types.get(name) ?? 'String');
  return out;
}

/** The declared type of each `{name:Type}` placeholder (the first one, when a name repeats). */
export function placeholderTypes(sql: string): Map<string, string> {
  const types = new Map<string, string>();
  // Types nest parentheses (Array(Nullable(String))) but never braces, so `}` ends the placeholder.
  for (const m of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g)) {
    const [, name, type] = m;
    if (name !== undefined && type !== undefined && !types.has(name)) types.set(name, type);
  }
  return types;
}

const NEEDS_ESCAPING = /[\\\0\b\f\n\r\t]/;

export function bindableValue(text: string, type: string): unknown {
  if (!NEEDS_ESCAPING.test(text)) return text;
  if (isComposite(type)) {
    const p = new LiteralParser(text);
    const v = p.value();
    p.end();
    return v;
  }
  if (text === '\\N') return null;
  return unescapeEscaped(text);
}

function isComposite(type: string): boolean {
  let t = type.trim();
  for (;;) {
    const m = /^(?:Nullable|LowCardinality)\s*\((.*)\)$/s.exec(t);
    if (!m?.[1]) break;
    t = m[1].trim();
  }
  return /^(?:Array|Tuple|Map|Nested)\s*\(/.test(t);
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0',
};

/** ClickHouse's Escaped format: `\t`, `\\`, `\'`, `\xHH` ...; any other escaped character stands for itself. */
export function unescapeEscaped(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\' || i === text.length - 1) {
      out += c;
      continue;
    }
    const n = text[++i] as string;
    if (n === 'x' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      const code = parseInt(text.slice(i + 1, i + 3), 16);
      // A byte above 0x7F is part of a multi-byte sequence the string form cannot carry.
      if (code > 0x7f) throw new ParamError(`escape \\x${text.slice(i + 1, i + 3)} is not a character`);
      out += String.fromCharCode(code);
      i += 2;
      continue;
    }
    out += SIMPLE_ESCAPES[n] ?? n;
  }
  return out;
}

/** A ClickHouse literal: arrays, tuples, maps, quoted strings, numbers, NULL, true/false. */
class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '[') return this.list('[', ']');
    if (c === '(') return new TupleParam(this.list('(', ')'));
    if (c === '{') return this.map();
    if (c === "'") return this.string();
    const word = /^[^,\])}:\s]+/.exec(this.s.slice(this.i))?.[0];
    if (!word) throw this.error('a value');
    this.i += word.length;
    if (/^null$/i.test(word)) return null;
    if (/^true$/i.test(word)) return true;
    if (/^false$/i.test(word)) return false;
    if (/^[-+]?\d+$/.test(word)) return BigInt(word);
    const n = Number(word);
    if (Number.isFinite(n) && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(word)) return n;
    throw new ParamError(`cannot bind ${JSON.stringify(word)} inside a composite parameter`);
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) throw this.error('the end of the parameter');
  }

  private list(open: string, close: string): unknown[] {
    this.expect(open);
    const items: unknown[] = [];
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      this.expect(close);
      return items;
    }
  }

  private map(): Map<unknown, unknown> {
    this.expect('{');
    const m = new Map<unknown, unknown>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return m;
    }
    for (;;) {
      const k = this.value();
      this.ws();
      this.expect(':');
      m.set(k, this.value());
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      this.expect('}');
      return m;
    }
  }

  private string(): string {
    this.expect("'");
    let raw = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) throw this.error("a closing '");
      if (c === '\\') {
        raw += c + (this.s[this.i++] ?? '');
        continue;
      }
      if (c === "'") {
        // '' inside a quoted string is one quote
        if (this.s[this.i] === "'") {
          raw += "\\'";
          this.i++;
          continue;
        }
        return unescapeEscaped(raw);
      }
      raw += c;
    }
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  private expect(c: string): void {
    if (this.s[this.i] !== c) throw this.error(`'${c}'`);
    this.i++;
  }

  private error(what: string): ParamError {
    return new ParamError(`expected ${what} at position ${this.i} of a composite parameter`);
  }
}
