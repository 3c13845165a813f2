import { parser } from '@prometheus-io/lezer-promql';

/** A node of the grammar's syntax tree (typed through the parser, whose module flavour the types must match). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** One vector selector of a query: `metric{label="value"}` (name undefined for `{__name__=~"..."}` forms). */
export interface Selector {
  readonly name?: string;
  readonly matchers: readonly LabelMatcher[];
  readonly text: string;
}

export interface ParsedQuery {
  readonly selectors: readonly Selector[];
  /** Syntax errors, each with the offending text and its offset; empty for a valid query. */
  readonly errors: readonly string[];
}

/** A PromQL string literal ("…", '…' or `…`) as its value. */
function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  if (quote === "'") return JSON.parse(`"${body.replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) as string;
  return JSON.parse(literal) as string;
}

function matcherOf(node: SyntaxNode, text: (n: SyntaxNode) => string): LabelMatcher | undefined {
  const nameNode = node.getChild('LabelName') ?? node.getChild('QuotedLabelName');
  const op = node.getChild('MatchOp');
  const value = node.getChild('StringLiteral');
  if (!nameNode || !op || !value) return undefined;
  const label = nameNode.name === 'QuotedLabelName' ? unquote(text(nameNode)) : text(nameNode);
  return { label, op: text(op) as MatchOp, value: unquote(text(value)) };
}

/** The vector selectors of a PromQL expression and its syntax errors, from Prometheus's own lezer grammar. */
export function parsePromql(expr: string): ParsedQuery {
  const tree = parser.parse(expr);
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const selectors: Selector[] = [];
  const errors: string[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        errors.push(`syntax error at offset ${ref.from}: ${JSON.stringify(expr.slice(ref.from, Math.max(ref.to, ref.from + 12)))}`);
        return false;
      }
      if (ref.name !== 'VectorSelector') return undefined;
      const node = ref.node;
      const identifier = node.getChild('Identifier');
      const matchers = (node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [])
        .concat(node.getChild('LabelMatchers')?.getChildren('QuotedLabelMatcher') ?? [])
        .sort((a, b) => a.from - b.from)
        .map((m) => matcherOf(m, text))
        .filter((m): m is LabelMatcher => m !== undefined);
      const byName = matchers.find((m) => m.label === '__name__' && m.op === '=');
      const name = identifier ? text(identifier) : byName?.value;
      selectors.push({
        ...(name === undefined ? {} : { name }),
        matchers: matchers.filter((m) => m.label !== '__name__'),
        text: text(node),
      });
      return false;
    },
  });
  if (expr.trim() === '') errors.push('empty query');
  return { selectors, errors };
}

/**
 * A Grafana query as plain PromQL: Grafana's interval macros become a 5m duration so the query
 * parses. Template variables inside label values (`{service=~"$service"}`) are strings already;
 * any other `$variable` is left and shows up as a syntax error.
 */
export function grafanaExprToPromql(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '5m');
}
