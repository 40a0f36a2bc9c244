import { stringify } from 'yaml';

/**
 * A small renderer of Go's text/template, enough for deploy/helm/pgduet and no more (no helm
 * binary here, and no npm package renders Helm's templates): the chart keeps to this subset,
 * and the render test renders it as `helm template` would.
 *
 * - actions `{{ … }}` with `{{-` / `-}}` trimming the whitespace beside them;
 * - values: `.a.b` (the current value), `$.a.b` (the root), `$`, `.`, "strings", numbers, true/false;
 * - pipelines `x | f a b` (the value goes last, as in Go), parentheses `(f a)`;
 * - `if` / `else if` / `else`, `with`, `range` (lists and maps; `.` is each item), `define`, `end`;
 * - functions: include, toYaml, nindent, indent, quote, default, not, eq, and, or, required.
 * Anything else is an error, so that the chart cannot drift past what is tested.
 */

type Value = unknown;
type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'out'; readonly expr: string }
  | { readonly kind: 'if'; readonly branches: readonly { readonly cond: string | undefined; readonly body: Node[] }[] }
  | { readonly kind: 'with' | 'range'; readonly expr: string; readonly body: Node[]; readonly otherwise: Node[] };

export interface Templates {
  /** renders the named file of the chart (its defines are shared by every file) */
  render(file: string, root: Record<string, Value>): string;
}

/** Parses every file (`name → text`): their `define`s are known to each. */
export function parseTemplates(files: Readonly<Record<string, string>>): Templates {
  const defines = new Map<string, Node[]>();
  const bodies = new Map<string, Node[]>();
  for (const [name, text] of Object.entries(files)) bodies.set(name, parse(tokens(text), defines));
  const run = (nodes: readonly Node[], dot: Value, root: Value): string => nodes.map((node) => runNode(node, dot, root)).join('');
  const runNode = (node: Node, dot: Value, root: Value): string => {
    switch (node.kind) {
      case 'text':
        return node.text;
      case 'out': {
        const value = evaluate(node.expr, dot, root);
        return value === undefined || value === null ? '' : String(value);
      }
      case 'if': {
        const branch = node.branches.find((b) => b.cond === undefined || truthy(evaluate(b.cond, dot, root)));
        return branch === undefined ? '' : run(branch.body, dot, root);
      }
      case 'with': {
        const value = evaluate(node.expr, dot, root);
        return truthy(value) ? run(node.body, value, root) : run(node.otherwise, dot, root);
      }
      case 'range': {
        const value = evaluate(node.expr, dot, root);
        const items = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.keys(value).sort().map((k) => (value as Record<string, Value>)[k]) : [];
        return items.length === 0 ? run(node.otherwise, dot, root) : items.map((item) => run(node.body, item, root)).join('');
      }
    }
  };
  const functions: Record<string, (...args: Value[]) => Value> = {
    toYaml: (v) => (v === undefined || v === null ? '' : stringify(v).replace(/\n$/, '')),
    nindent: (n, s) => `\n${indent(Number(n), String(s))}`,
    indent: (n, s) => indent(Number(n), String(s)),
    quote: (v) => JSON.stringify(v === undefined || v === null ? '' : String(v)),
    default: (fallback, v) => (truthy(v) ? v : fallback),
    not: (v) => !truthy(v),
    eq: (a, b) => a === b,
    and: (...vs) => vs.every(truthy),
    or: (...vs) => vs.some(truthy),
    required: (message, v) => {
      if (!truthy(v)) throw new Error(String(message));
      return v;
    },
  };
  function evaluate(expr: string, dot: Value, root: Value): Value {
    let value: Value;
    let first = true;
    for (const command of splitOutside(expr, '|')) {
      const words = words_(command.trim());
      const piped = first ? [] : [value];
      first = false;
      const head = words[0];
      if (head === undefined) throw new Error(`empty command in {{ ${expr} }}`);
      if (head === 'include') {
        const [name, arg] = [...words.slice(1).map((w) => operand(w, dot, root)), ...piped];
        const body = defines.get(String(name));
        if (body === undefined) throw new Error(`include of an unknown template "${String(name)}"`);
        value = run(body, arg, root);
      } else if (/^[a-zA-Z]/.test(head)) {
        const fn = functions[head];
        if (fn === undefined) throw new Error(`the chart's renderer has no function "${head}"`);
        value = fn(...words.slice(1).map((w) => operand(w, dot, root)), ...piped);
      } else {
        if (words.length > 1 || piped.length > 0) throw new Error(`not a command: ${command}`);
        value = operand(head, dot, root);
      }
    }
    return value;
  }
  function operand(word: string, dot: Value, root: Value): Value {
    if (word.startsWith('(')) return evaluate(word.slice(1, -1), dot, root);
    if (word.startsWith('"')) return JSON.parse(word) as string;
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === '.' || word === '$') return word === '.' ? dot : root;
    const base = word.startsWith('$.') ? root : word.startsWith('.') ? dot : undefined;
    if (base === undefined) throw new Error(`unknown operand ${word}`);
    return word
      .replace(/^\$/, '')
      .slice(1)
      .split('.')
      .reduce<Value>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, Value>)[key] : undefined), base);
  }
  return {
    render(file, root) {
      const body = bodies.get(file);
      if (body === undefined) throw new Error(`no template ${file}`);
      return run(body, root, root);
    },
  };
}

function indent(n: number, s: string): string {
  return s
    .split('\n')
    .map((line) => (line === '' ? line : ' '.repeat(n) + line))
    .join('\n');
}

/** Go's truth: false, 0, nil, and empty strings, lists and maps are false. */
function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

type Token = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'action'; readonly text: string };

/** Text and actions, with `{{-` and `-}}` trimming the whitespace next to them. */
function tokens(source: string): Token[] {
  const out: Token[] = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    let text = source.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    out.push({ kind: 'text', text });
    const action = m[2] ?? '';
    if (!action.startsWith('/*')) out.push({ kind: 'action', text: action });
    trimNext = m[3] === '-';
    last = re.lastIndex;
  }
  let rest = source.slice(last);
  if (trimNext) rest = rest.replace(/^\s+/, '');
  out.push({ kind: 'text', text: rest });
  return out;
}

/** The token list as a tree; `define`s go to `defines`. */
function parse(list: readonly Token[], defines: Map<string, Node[]>): Node[] {
  let at = 0;
  const block = (): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (at < list.length) {
      const token = list[at++] as Token;
      if (token.kind === 'text') {
        if (token.text !== '') nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const [keyword = '', ...rest] = token.text.split(/\s+/);
      const expr = token.text.slice(keyword.length).trim();
      switch (keyword) {
        case 'end':
        case 'else':
          return { nodes, end: token.text };
        case 'if': {
          const branches: { cond: string | undefined; body: Node[] }[] = [];
          let cond: string | undefined = expr;
          for (;;) {
            const inner = block();
            branches.push({ cond, body: inner.nodes });
            if (inner.end === 'end') break;
            if (inner.end === 'else') cond = undefined;
            else if (inner.end.startsWith('else if ')) cond = inner.end.slice('else if '.length).trim();
            else throw new Error(`unexpected {{ ${inner.end} }}`);
          }
          nodes.push({ kind: 'if', branches });
          break;
        }
        case 'with':
        case 'range': {
          const inner = block();
          const otherwise = inner.end === 'else' ? block().nodes : [];
          nodes.push({ kind: keyword, expr, body: inner.nodes, otherwise });
          break;
        }
        case 'define': {
          const name = JSON.parse(rest.join(' ')) as string;
          defines.set(name, block().nodes);
          break;
        }
        default:
          nodes.push({ kind: 'out', expr: token.text });
      }
    }
    return { nodes, end: '' };
  };
  const { nodes, end } = block();
  if (end !== '') throw new Error(`unexpected {{ ${end} }} at the top level`);
  return nodes;
}

/** Splits on `separator` outside quotes and parentheses. */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of text) {
    if (ch === '"' && !current.endsWith('\\')) quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

/** The words of a command: operands, "strings" and (parenthesized pipelines) whole. */
function words_(command: string): string[] {
  return splitOutside(command.replace(/\s+/g, ' '), ' ').filter((w) => w !== '');
}
