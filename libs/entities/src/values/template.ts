/**
 * A safe subset of Home Assistant's Jinja value templates: a tokenizer and a recursive-descent parser build an
 * AST once per template (cached), and an evaluator walks it. Nothing is ever run as code.
 *
 * Supported: literal text around `{{ … }}`, `{# comments #}`, `{{-`/`-}}` whitespace control; literals (numbers,
 * quoted strings, true/false/none); variables (`value`, `value_json`, or those the caller allows); member access
 * `.x`, `['x']`, `[0]`; `+ - * /`, `~` (concatenation), comparisons, `and`/`or`/`not`; `a if cond else b`;
 * tests `is [not] defined|undefined|none|number|string`; filters float, int, round, string, lower, upper,
 * default, is_defined.
 * Not supported (a typed compile error): `{% … %}` statements, function and method calls, other filters,
 * keyword arguments, `//`, `%`, `**`, list/dict literals, `in`.
 */

export type TemplateErrorCode = 'syntax' | 'unsupported' | 'unknown-variable' | 'too-complex';

export interface TemplateError {
  code: TemplateErrorCode;
  message: string;
  /** Offset in the template source where the problem starts. */
  position: number;
}

export type CompileResult = { ok: true; template: CompiledTemplate } | { ok: false; error: TemplateError };

export type RenderResult = { ok: true; value: unknown } | { ok: false; reason: string };

export interface CompiledTemplate {
  readonly source: string;
  readonly parts: readonly Part[];
  /** Whether rendering needs `value_json`, so callers parse JSON only when it is used. */
  readonly usesValueJson: boolean;
}

export type Part = { type: 'text'; text: string } | { type: 'output'; expr: Expr };

export type BinaryOp = '+' | '-' | '*' | '/' | '~' | 'and' | 'or';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type TestName = 'defined' | 'undefined' | 'none' | 'number' | 'string';
export type FilterName = 'float' | 'int' | 'round' | 'string' | 'lower' | 'upper' | 'default' | 'is_defined';

export type Expr =
  | { type: 'literal'; value: unknown }
  | { type: 'name'; name: string }
  | { type: 'member'; object: Expr; key: Expr; describe: string }
  | { type: 'filter'; input: Expr; name: FilterName; args: Expr[] }
  | { type: 'test'; input: Expr; name: TestName; negated: boolean }
  | { type: 'negate'; operand: Expr }
  | { type: 'not'; operand: Expr }
  | { type: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { type: 'compare'; first: Expr; rest: Array<{ op: CompareOp; expr: Expr }> }
  | { type: 'conditional'; test: Expr; then: Expr; otherwise?: Expr };

export const DEFAULT_TEMPLATE_VARIABLES = ['value', 'value_json'] as const;

const MAX_SOURCE_LENGTH = 4096;
const MAX_DEPTH = 48;
/** Text a render may build by joining: repeating a large payload (`{{ value ~ value ~ … }}`) must not exhaust memory. */
const MAX_TEXT_LENGTH = 1024 * 1024;
const CACHE_LIMIT = 1024;

/** [min, max] argument counts per filter. */
const FILTER_ARITY: Record<FilterName, [number, number]> = {
  float: [0, 1],
  int: [0, 1],
  round: [0, 2],
  string: [0, 0],
  lower: [0, 0],
  upper: [0, 0],
  default: [1, 2],
  is_defined: [0, 0],
};
const TESTS: readonly TestName[] = ['defined', 'undefined', 'none', 'number', 'string'];
const KEYWORD_LITERALS: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null };

const cache = new Map<string, CompileResult>();

/**
 * Compiles a template, or explains why it cannot be. Results are cached by source and allowed variables, so
 * calling this per message is cheap; the cache drops its oldest entry when full.
 */
export function compileTemplate(source: string, variables: readonly string[] = DEFAULT_TEMPLATE_VARIABLES): CompileResult {
  const key = `${variables.join(',')}\u0000${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const result = compileUncached(source, new Set(variables));
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, result);
  return result;
}

function compileUncached(source: string, variables: ReadonlySet<string>): CompileResult {
  if (source.length > MAX_SOURCE_LENGTH) {
    return fail('too-complex', `template is ${source.length} characters long; at most ${MAX_SOURCE_LENGTH} are accepted`, 0);
  }
  try {
    const parts = new TemplateParser(source, variables).parseTemplate();
    return { ok: true, template: { source, parts, usesValueJson: parts.some((p) => p.type === 'output' && mentions(p.expr, 'value_json')) } };
  } catch (error) {
    if (error instanceof TemplateCompileError) return { ok: false, error: error.detail };
    throw error;
  }
}

function fail(code: TemplateErrorCode, message: string, position: number): CompileResult {
  return { ok: false, error: { code, message, position } };
}

function mentions(expr: Expr, name: string): boolean {
  switch (expr.type) {
    case 'literal':
      return false;
    case 'name':
      return expr.name === name;
    case 'member':
      return mentions(expr.object, name) || mentions(expr.key, name);
    case 'filter':
      return mentions(expr.input, name) || expr.args.some((a) => mentions(a, name));
    case 'test':
    case 'negate':
    case 'not':
      return mentions(expr.type === 'test' ? expr.input : expr.operand, name);
    case 'binary':
      return mentions(expr.left, name) || mentions(expr.right, name);
    case 'compare':
      return mentions(expr.first, name) || expr.rest.some((r) => mentions(r.expr, name));
    case 'conditional':
      return mentions(expr.test, name) || mentions(expr.then, name) || (expr.otherwise !== undefined && mentions(expr.otherwise, name));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Tokenizer and parser

class TemplateCompileError extends Error {
  constructor(readonly detail: TemplateError) {
    super(detail.message);
  }
}

type TokenType = 'number' | 'string' | 'name' | 'op' | 'end';
interface Token {
  type: TokenType;
  text: string;
  value?: number | string;
  position: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '//', '**', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', '[', ']', '(', ')', ',', '=', ':', '{', '}'];
const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const RESERVED = new Set(['if', 'else', 'and', 'or', 'not', 'is', 'in']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

class TemplateParser {
  private pos = 0;
  private tokens: Token[] = [];
  private index = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly variables: ReadonlySet<string>,
  ) {}

  parseTemplate(): Part[] {
    const parts: Part[] = [];
    let trimNextText = false;
    while (this.pos < this.source.length) {
      const next = this.findTag(this.pos);
      let text = this.source.slice(this.pos, next === -1 ? this.source.length : next);
      if (trimNextText) text = text.trimStart();
      trimNextText = false;
      if (next === -1) {
        if (text) parts.push({ type: 'text', text });
        break;
      }
      const opener = this.source.slice(next, next + 2);
      const trimBefore = this.source[next + 2] === '-';
      if (trimBefore) text = text.trimEnd();
      if (text) parts.push({ type: 'text', text });
      if (opener === '{%') {
        this.error('unsupported', 'statements ({% … %}) are not supported; only {{ … }} expressions are', next);
      }
      if (opener === '{#') {
        const close = this.source.indexOf('#}', next + 2);
        if (close === -1) this.error('syntax', "comment '{#' is never closed", next);
        trimNextText = this.source[close - 1] === '-';
        this.pos = close + 2;
        continue;
      }
      this.pos = next + (trimBefore ? 3 : 2);
      this.tokens = this.tokenizeExpression(next);
      this.index = 0;
      const expr = this.parseExpression();
      const end = this.peek();
      if (end.type !== 'end') this.error('syntax', `unexpected '${end.text}'`, end.position);
      trimNextText = end.text === '-}}';
      parts.push({ type: 'output', expr });
    }
    return parts;
  }

  private findTag(from: number): number {
    for (let i = this.source.indexOf('{', from); i !== -1; i = this.source.indexOf('{', i + 1)) {
      const c = this.source[i + 1];
      if (c === '{' || c === '%' || c === '#') return i;
    }
    return -1;
  }

  /** Tokens from `this.pos` up to and including the closing `}}`, leaving `this.pos` after it. */
  private tokenizeExpression(openedAt: number): Token[] {
    const tokens: Token[] = [];
    const src = this.source;
    while (true) {
      while (this.pos < src.length && /\s/.test(src[this.pos])) this.pos++;
      if (this.pos >= src.length) this.error('syntax', "'{{' is never closed with '}}'", openedAt);
      const start = this.pos;
      const rest = src.slice(start, start + 3);
      if (rest.startsWith('}}') || rest.startsWith('-}}')) {
        const text = rest.startsWith('}}') ? '}}' : '-}}';
        this.pos += text.length;
        tokens.push({ type: 'end', text, position: start });
        return tokens;
      }
      const c = src[start];
      if (c === '"' || c === "'") {
        tokens.push(this.readString(c));
        continue;
      }
      const number = matchAt(NUMBER, src, start);
      if (number) {
        this.pos += number[0].length;
        tokens.push({ type: 'number', text: number[0], value: Number(number[0]), position: start });
        continue;
      }
      const name = matchAt(NAME, src, start);
      if (name) {
        this.pos += name[0].length;
        tokens.push({ type: 'name', text: name[0], position: start });
        continue;
      }
      const op = OPERATORS.find((o) => rest.startsWith(o));
      if (!op) this.error('syntax', `unexpected character '${c}'`, start);
      this.pos += op.length;
      tokens.push({ type: 'op', text: op, position: start });
    }
  }

  private readString(quote: string): Token {
    const start = this.pos++;
    let value = '';
    while (this.pos < this.source.length) {
      const c = this.source[this.pos++];
      if (c === quote) return { type: 'string', text: this.source.slice(start, this.pos), value, position: start };
      if (c === '\\' && this.pos < this.source.length) {
        const escaped = this.source[this.pos++];
        value += ESCAPES[escaped] ?? `\\${escaped}`;
      } else {
        value += c;
      }
    }
    return this.error('syntax', 'string literal is never closed', start);
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (token.type !== 'end') this.index++;
    return token;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.text === text;
  }

  private isName(text: string): boolean {
    const t = this.peek();
    return t.type === 'name' && t.text === text;
  }

  private expectOp(text: string): void {
    const t = this.next();
    if (t.type !== 'op' || t.text !== text) this.error('syntax', `expected '${text}' but found '${t.text}'`, t.position);
  }

  private error(code: TemplateErrorCode, message: string, position: number): never {
    throw new TemplateCompileError({ code, message, position });
  }

  /** Guards every recursive rule so hostile input cannot exhaust the stack. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) this.error('too-complex', `expression nests deeper than ${MAX_DEPTH} levels`, this.peek().position);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseExpression(): Expr {
    return this.nested(() => {
      const then = this.parseOr();
      if (!this.isName('if')) return then;
      this.next();
      const test = this.parseOr();
      if (!this.isName('else')) return { type: 'conditional', test, then };
      this.next();
      return { type: 'conditional', test, then, otherwise: this.parseExpression() };
    });
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      this.next();
      left = { type: 'binary', op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      this.next();
      left = { type: 'binary', op: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Expr {
    if (!this.isName('not')) return this.parseCompare();
    this.next();
    return this.nested(() => ({ type: 'not', operand: this.parseNot() }));
  }

  private parseCompare(): Expr {
    const first = this.parseMath();
    const rest: Array<{ op: CompareOp; expr: Expr }> = [];
    while (true) {
      const t = this.peek();
      if (t.type === 'name' && t.text === 'in') this.error('unsupported', "the 'in' operator is not supported", t.position);
      if (t.type !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(t.text)) break;
      this.next();
      rest.push({ op: t.text as CompareOp, expr: this.parseMath() });
    }
    return rest.length ? { type: 'compare', first, rest } : first;
  }

  // Jinja's precedence: + and - bind looser than ~, which binds looser than * and /.
  private parseMath(): Expr {
    let left = this.parseConcat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text as BinaryOp;
      left = { type: 'binary', op, left, right: this.parseConcat() };
    }
    return left;
  }

  private parseConcat(): Expr {
    let left = this.parseProduct();
    while (this.isOp('~')) {
      this.next();
      left = { type: 'binary', op: '~', left, right: this.parseProduct() };
    }
    return left;
  }

  private parseProduct(): Expr {
    let left = this.parseUnary(true);
    while (true) {
      const t = this.peek();
      if (t.type === 'op' && ['//', '%', '**'].includes(t.text)) this.error('unsupported', `the '${t.text}' operator is not supported`, t.position);
      if (!this.isOp('*') && !this.isOp('/')) return left;
      const op = this.next().text as BinaryOp;
      left = { type: 'binary', op, left, right: this.parseUnary(true) };
    }
  }

  // As in Jinja, `-x | f` applies the filter to `-x`.
  private parseUnary(withFilters: boolean): Expr {
    return this.nested(() => {
      let expr: Expr;
      if (this.isOp('-') || this.isOp('+')) {
        const sign = this.next().text;
        const operand = this.parseUnary(false);
        expr = sign === '-' ? { type: 'negate', operand } : operand;
      } else {
        expr = this.parsePostfix(this.parsePrimary());
      }
      return withFilters ? this.parseFiltersAndTests(expr) : expr;
    });
  }

  private parsePrimary(): Expr {
    const t = this.next();
    switch (t.type) {
      case 'number':
      case 'string':
        return { type: 'literal', value: t.value };
      case 'name':
        if (Object.hasOwn(KEYWORD_LITERALS, t.text)) return { type: 'literal', value: KEYWORD_LITERALS[t.text] };
        if (RESERVED.has(t.text)) this.error('syntax', `unexpected '${t.text}'`, t.position);
        if (this.isOp('(')) this.error('unsupported', `function calls such as '${t.text}(…)' are not supported`, t.position);
        if (!this.variables.has(t.text)) {
          this.error('unknown-variable', `unknown variable '${t.text}'; available: ${[...this.variables].join(', ')}`, t.position);
        }
        return { type: 'name', name: t.text };
      case 'op':
        if (t.text === '(') {
          const inner = this.parseExpression();
          this.expectOp(')');
          return inner;
        }
        if (t.text === '[' || t.text === '{') this.error('unsupported', 'list and dict literals are not supported', t.position);
        return this.error('syntax', `unexpected '${t.text}'`, t.position);
      case 'end':
        return this.error('syntax', 'expression expected', t.position);
    }
  }

  private parsePostfix(expr: Expr): Expr {
    while (true) {
      if (this.isOp('.')) {
        this.next();
        const name = this.next();
        if (name.type !== 'name') this.error('syntax', `attribute name expected after '.', found '${name.text}'`, name.position);
        if (this.isOp('(')) this.error('unsupported', `method calls such as '.${name.text}(…)' are not supported`, name.position);
        expr = { type: 'member', object: expr, key: { type: 'literal', value: name.text }, describe: `.${name.text}` };
      } else if (this.isOp('[')) {
        const open = this.next();
        if (this.isOp(':')) this.error('unsupported', 'slices are not supported', open.position);
        const key = this.parseExpression();
        if (this.isOp(':')) this.error('unsupported', 'slices are not supported', open.position);
        this.expectOp(']');
        const describe = key.type === 'literal' ? `[${JSON.stringify(key.value)}]` : '[…]';
        expr = { type: 'member', object: expr, key, describe };
      } else if (this.isOp('(')) {
        this.error('unsupported', 'calls are not supported', this.peek().position);
      } else {
        return expr;
      }
    }
  }

  private parseFiltersAndTests(expr: Expr): Expr {
    while (true) {
      if (this.isOp('|')) {
        this.next();
        const name = this.next();
        if (name.type !== 'name') this.error('syntax', `filter name expected after '|', found '${name.text}'`, name.position);
        if (!Object.hasOwn(FILTER_ARITY, name.text)) this.error('unsupported', `filter '${name.text}' is not supported`, name.position);
        const filter = name.text as FilterName;
        const args = this.isOp('(') ? this.parseArguments() : [];
        const [min, max] = FILTER_ARITY[filter];
        if (args.length < min || args.length > max) {
          this.error('syntax', `filter '${filter}' takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`, name.position);
        }
        expr = { type: 'filter', input: expr, name: filter, args };
      } else if (this.isName('is')) {
        this.next();
        const negated = this.isName('not');
        if (negated) this.next();
        const name = this.next();
        if (name.type !== 'name' || !TESTS.includes(name.text as TestName)) {
          this.error('unsupported', `test 'is ${name.text}' is not supported`, name.position);
        }
        expr = { type: 'test', input: expr, name: name.text as TestName, negated };
      } else {
        return expr;
      }
    }
  }

  private parseArguments(): Expr[] {
    this.expectOp('(');
    const args: Expr[] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      if (t.type === 'name' && this.tokens[this.index + 1]?.text === '=') {
        this.error('unsupported', `keyword arguments such as '${t.text}=' are not supported`, t.position);
      }
      args.push(this.parseExpression());
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    return args;
  }
}

function matchAt(pattern: RegExp, source: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(source);
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

/** Jinja's undefined: a missing key or variable, carrying why, so callers can report it. */
export class Undefined {
  constructor(readonly hint: string) {}
}

/** An evaluation failure: caught in `renderTemplate`, never escapes it. */
class EvalFailure extends Error {}

/**
 * Renders a compiled template. A template that is a single `{{ … }}` (text around it being whitespace) yields
 * the expression's own value (a number stays a number); otherwise the parts are joined into a string. Never
 * throws: an undefined result or a failing filter gives `{ ok: false, reason }`.
 */
export function renderTemplate(template: CompiledTemplate, variables: Readonly<Record<string, unknown>>): RenderResult {
  try {
    const outputs = template.parts.filter((p) => p.type === 'output');
    const onlyWhitespaceText = template.parts.every((p) => p.type === 'output' || p.text.trim() === '');
    if (outputs.length === 1 && onlyWhitespaceText) {
      const value = evaluate(outputs[0].expr, variables);
      if (value instanceof Undefined) return { ok: false, reason: value.hint };
      return { ok: true, value };
    }
    const text = template.parts.reduce((joined, p) => join(joined, p.type === 'text' ? p.text : toText(evaluate(p.expr, variables))), '');
    return { ok: true, value: text };
  } catch (error) {
    if (error instanceof EvalFailure) return { ok: false, reason: error.message };
    throw error;
  }
}

/** How a value prints in a rendered template or an MQTT payload (Python's spelling for booleans and None). */
export function toText(value: unknown): string {
  if (value instanceof Undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null) return 'None';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? '';
}

/** Looks up one key or index of a JSON value; shared by templates and JSON paths. */
export function getMember(object: unknown, key: unknown, describe: string): unknown {
  if (object instanceof Undefined) return object;
  if (Array.isArray(object) || typeof object === 'string') {
    if (typeof key !== 'number' || !Number.isInteger(key)) return new Undefined(`no ${describe} in ${describeValue(object)}`);
    const index = key < 0 ? object.length + key : key;
    return index >= 0 && index < object.length ? object[index] : new Undefined(`${describe} is out of range`);
  }
  if (typeof object === 'object' && object !== null && (typeof key === 'string' || typeof key === 'number')) {
    const name = String(key);
    if (Object.hasOwn(object, name)) return (object as Record<string, unknown>)[name];
  }
  return new Undefined(`no ${describe} in ${describeValue(object)}`);
}

function describeValue(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'the object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function evaluate(expr: Expr, vars: Readonly<Record<string, unknown>>): unknown {
  switch (expr.type) {
    case 'literal':
      return expr.value;
    case 'name':
      return Object.hasOwn(vars, expr.name) ? vars[expr.name] : new Undefined(`${expr.name} is undefined`);
    case 'member': {
      const object = evaluate(expr.object, vars);
      const key = evaluate(expr.key, vars);
      return getMember(object, key, expr.describe);
    }
    case 'filter':
      return applyFilter(
        expr.name,
        evaluate(expr.input, vars),
        expr.args.map((a) => evaluate(a, vars)),
      );
    case 'test':
      return applyTest(expr.name, evaluate(expr.input, vars)) !== expr.negated;
    case 'negate':
      return -toNumber(evaluate(expr.operand, vars), 'negate');
    case 'not':
      return !truthy(evaluate(expr.operand, vars));
    case 'binary':
      return binary(expr, vars);
    case 'compare': {
      let left = evaluate(expr.first, vars);
      for (const { op, expr: next } of expr.rest) {
        const right = evaluate(next, vars);
        if (!compare(op, left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'conditional':
      if (truthy(evaluate(expr.test, vars))) return evaluate(expr.then, vars);
      return expr.otherwise ? evaluate(expr.otherwise, vars) : new Undefined('the condition is false and there is no else');
  }
}

function binary(expr: Extract<Expr, { type: 'binary' }>, vars: Readonly<Record<string, unknown>>): unknown {
  const left = evaluate(expr.left, vars);
  if (expr.op === 'and') return truthy(left) ? evaluate(expr.right, vars) : left;
  if (expr.op === 'or') return truthy(left) ? left : evaluate(expr.right, vars);
  const right = evaluate(expr.right, vars);
  if (expr.op === '~') return join(toText(left), toText(right));
  if (expr.op === '+' && typeof left === 'string' && typeof right === 'string') return join(left, right);
  const a = toNumber(left, expr.op);
  const b = toNumber(right, expr.op);
  switch (expr.op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new EvalFailure('division by zero');
      return a / b;
  }
}

function join(left: string, right: string): string {
  if (left.length + right.length > MAX_TEXT_LENGTH) throw new EvalFailure(`the text would be longer than ${MAX_TEXT_LENGTH} characters`);
  return left + right;
}

/** Operands of arithmetic must be numbers already (booleans count, as in Python); strings are not parsed. */
function toNumber(value: unknown, op: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Undefined) throw new EvalFailure(`cannot use '${op}' on an undefined value: ${value.hint}`);
  throw new EvalFailure(`cannot use '${op}' on ${describeValue(value)}; convert it with | float or | int first`);
}

function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  if (op === '==' || op === '!=') return equal(a, b) === (op === '==');
  const numeric = (typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean');
  if (!numeric && !(typeof a === 'string' && typeof b === 'string')) {
    throw new EvalFailure(`cannot compare ${describeValue(a)} with ${describeValue(b)} using '${op}'`);
  }
  const [x, y] = numeric ? [Number(a), Number(b)] : [a as string, b as string];
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return Number(a) === Number(b);
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function truthy(value: unknown): boolean {
  if (value instanceof Undefined || value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function applyTest(name: TestName, value: unknown): boolean {
  switch (name) {
    case 'defined':
      return !(value instanceof Undefined);
    case 'undefined':
      return value instanceof Undefined;
    case 'none':
      return value === null;
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
  }
}

const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Python's float(): numbers, booleans and numeric strings (surrounding whitespace allowed). */
function parseFloatLike(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value.trim())) return Number(value.trim());
  return undefined;
}

function applyFilter(name: FilterName, input: unknown, args: unknown[]): unknown {
  switch (name) {
    case 'float':
    case 'int': {
      const parsed = parseFloatLike(input);
      if (parsed === undefined) {
        if (args.length) return args[0];
        throw new EvalFailure(`${name} got invalid input ${input instanceof Undefined ? `(${input.hint})` : JSON.stringify(toText(input))} and no default`);
      }
      return name === 'int' ? Math.trunc(parsed) : parsed;
    }
    case 'round': {
      const parsed = parseFloatLike(input);
      if (parsed === undefined) throw new EvalFailure(`round got invalid input ${JSON.stringify(toText(input))}`);
      const precision = Math.min(Math.max(Math.trunc(args.length ? toNumber(args[0], 'round') : 0), 0), 12);
      const method = args.length > 1 ? args[1] : 'common';
      const scale = 10 ** precision;
      if (method === 'floor') return Math.floor(parsed * scale) / scale;
      if (method === 'ceil') return Math.ceil(parsed * scale) / scale;
      if (method !== 'common') throw new EvalFailure(`round method ${JSON.stringify(toText(method))} is not supported`);
      return Math.round(parsed * scale) / scale;
    }
    case 'string':
      return toText(input);
    case 'lower':
      return toText(input).toLowerCase();
    case 'upper':
      return toText(input).toUpperCase();
    case 'default':
      return input instanceof Undefined || (args.length > 1 && truthy(args[1]) && !truthy(input)) ? args[0] : input;
    case 'is_defined':
      if (input instanceof Undefined) throw new EvalFailure(input.hint);
      return input;
  }
}
