import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOrder, parseQuery, parseSelect, quoteValue } from '../../src/rest/parse/index.js';
import type { Condition, FieldPath, Filter, FilterValue, JsonStep, OrderTerm, SelectItem } from '../../src/rest/parse/index.js';

/**
 * Random well-formed trees, printed in PostgREST's syntax (every name and value quoted), must
 * parse back to themselves: the parsers agree with the grammar on every nesting and quoting.
 */

const text = fc.string({ maxLength: 8 });
const typeName = fc.constantFrom('int', 'text', 'numeric', 'timestamp with time zone', 'my_type$1');
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arbitrary, { nil: undefined });

const jsonStep: fc.Arbitrary<JsonStep> = fc.record({
  arrow: fc.constantFrom<JsonStep['arrow']>('->', '->>'),
  key: fc.oneof(text, fc.integer({ min: -99, max: 99 })),
});
const fieldPath: fc.Arbitrary<FieldPath> = fc.record({ name: text, jsonPath: fc.array(jsonStep, { maxLength: 3 }) });

const printField = (field: FieldPath): string =>
  quoteValue(field.name) + field.jsonPath.map(({ arrow, key }) => arrow + (typeof key === 'number' ? String(key) : quoteValue(key))).join('');

/** T with every member possibly undefined: what `fc.option` produces. */
type Loose<T> = { [K in keyof T]: T[K] | undefined };

/** Drops undefined members, as the parsers never set them (exactOptionalPropertyTypes). */
function defined<T extends object>(value: Loose<T>): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

// ---- select ----

const leafItem: fc.Arbitrary<SelectItem> = fc.oneof(
  fc.constant<SelectItem>({ kind: 'star' }),
  fc
    .record({ alias: optional(text), cast: optional(typeName) })
    .map(({ alias, cast }) => defined<SelectItem>({ kind: 'count', alias, cast })),
  fc
    .record({
      field: fieldPath,
      alias: optional(text),
      cast: optional(typeName),
      aggregate: optional(fc.constantFrom('count', 'sum', 'avg', 'min', 'max') as fc.Arbitrary<'count' | 'sum' | 'avg' | 'min' | 'max'>),
      aggregateCast: optional(typeName),
    })
    .map(({ aggregate, aggregateCast, ...rest }) =>
      defined<SelectItem>({ kind: 'field', ...rest, aggregate, aggregateCast: aggregate === undefined ? undefined : aggregateCast }),
    ),
);

function selectItem(depth: number): fc.Arbitrary<SelectItem> {
  if (depth === 0) return leafItem;
  const embed = fc
    .record({
      relation: text,
      alias: optional(text),
      hint: optional(text),
      join: optional(fc.constantFrom('inner', 'left') as fc.Arbitrary<'inner' | 'left'>),
      spread: fc.boolean(),
      select: fc.array(selectItem(depth - 1), { maxLength: 3 }),
    })
    .map(({ alias, spread, ...rest }) => defined<SelectItem>({ kind: 'embed', ...rest, spread, alias: spread ? undefined : alias }));
  return fc.oneof(leafItem, embed);
}

function printItem(item: SelectItem): string {
  const alias = item.kind !== 'star' && item.alias !== undefined ? `${quoteValue(item.alias)}:` : '';
  switch (item.kind) {
    case 'star':
      return '*';
    case 'count':
      return `${alias}count()${item.cast === undefined ? '' : `::${item.cast}`}`;
    case 'field':
      return (
        alias +
        printField(item.field) +
        (item.cast === undefined ? '' : `::${item.cast}`) +
        (item.aggregate === undefined ? '' : `.${item.aggregate}()`) +
        (item.aggregateCast === undefined ? '' : `::${item.aggregateCast}`)
      );
    case 'embed':
      return (
        (item.spread ? '...' : alias) +
        quoteValue(item.relation) +
        (item.hint === undefined ? '' : `!${quoteValue(item.hint)}`) +
        (item.join === undefined ? '' : `!${item.join}`) +
        `(${item.select.map(printItem).join(',')})`
      );
  }
}

// ---- logic trees ----

const filterArbitrary: fc.Arbitrary<Filter> = fc.oneof(
  fc
    .record({ field: fieldPath, negated: fc.boolean(), operator: fc.constantFrom('eq', 'neq', 'like', 'cs', 'sl', 'isdistinct') as fc.Arbitrary<Filter['operator']>, value: text })
    .map(({ value, ...rest }) => ({ kind: 'filter' as const, ...rest, value: { kind: 'scalar' as const, value } })),
  fc
    .record({ field: fieldPath, negated: fc.boolean(), values: fc.array(text, { maxLength: 4 }) })
    .map(({ values, ...rest }) => ({ kind: 'filter' as const, ...rest, operator: 'in' as const, value: { kind: 'list' as const, values } })),
  fc
    .record({ field: fieldPath, negated: fc.boolean(), value: fc.constantFrom('null', 'not_null', 'true', 'false', 'unknown') as fc.Arbitrary<'null' | 'not_null' | 'true' | 'false' | 'unknown'> })
    .map(({ value, ...rest }) => ({ kind: 'filter' as const, ...rest, operator: 'is' as const, value: { kind: 'is' as const, value } })),
  fc
    .record({ field: fieldPath, negated: fc.boolean(), language: optional(fc.constantFrom('english', 'simple')), query: text })
    .map(({ language, query, ...rest }) => ({ kind: 'filter' as const, ...rest, operator: 'wfts' as const, value: defined<Extract<FilterValue, { kind: 'fts' }>>({ kind: 'fts', language, query }) })),
  fc
    .record({ field: fieldPath, negated: fc.boolean(), quantifier: fc.constantFrom('any', 'all') as fc.Arbitrary<'any' | 'all'>, values: fc.array(text, { maxLength: 3 }) })
    .map(({ values, ...rest }) => ({ kind: 'filter' as const, ...rest, operator: 'ilike' as const, value: { kind: 'list' as const, values } })),
);

function condition(depth: number): fc.Arbitrary<Condition> {
  if (depth === 0) return filterArbitrary;
  const logic = fc.record({
    kind: fc.constantFrom('and', 'or') as fc.Arbitrary<'and' | 'or'>,
    negated: fc.boolean(),
    conditions: fc.array(condition(depth - 1), { minLength: 1, maxLength: 3 }),
  });
  return fc.oneof(filterArbitrary, logic);
}

/** `{a,"b"}` with every element quoted the way PostgreSQL's array input reads it. */
const arrayLiteral = (values: readonly string[]): string => `{${values.map(quoteValue).join(',')}}`;

function printCondition(condition: Condition): string {
  const not = condition.negated ? 'not.' : '';
  if (condition.kind !== 'filter') return `${not}${condition.kind}(${condition.conditions.map(printCondition).join(',')})`;
  const { value } = condition;
  const head = `${printField(condition.field)}.${not}${condition.operator}`;
  switch (value.kind) {
    case 'scalar':
      return `${head}.${quoteValue(value.value)}`;
    case 'is':
      return `${head}.${value.value}`;
    case 'fts':
      return `${head}${value.language === undefined ? '' : `(${value.language})`}.${quoteValue(value.query)}`;
    case 'list':
      return condition.quantifier === undefined
        ? `${head}.(${value.values.map(quoteValue).join(',')})`
        : `${head}(${condition.quantifier}).${arrayLiteral(value.values)}`;
  }
}

// ---- order ----

const orderTerm: fc.Arbitrary<OrderTerm> = fc
  .record({
    relation: optional(text),
    field: fieldPath,
    direction: optional(fc.constantFrom('asc', 'desc') as fc.Arbitrary<'asc' | 'desc'>),
    nulls: optional(fc.constantFrom('first', 'last') as fc.Arbitrary<'first' | 'last'>),
  })
  .map((term) => defined<OrderTerm>(term));

const printTerm = (term: OrderTerm): string =>
  (term.relation === undefined ? printField(term.field) : `${quoteValue(term.relation)}(${printField(term.field)})`) +
  (term.direction === undefined ? '' : `.${term.direction}`) +
  (term.nulls === undefined ? '' : `.nulls${term.nulls}`);

describe('printed trees parse back to themselves', () => {
  it('select lists, three levels deep', () => {
    fc.assert(
      fc.property(fc.array(selectItem(3), { maxLength: 4 }), (items) => {
        expect(parseSelect(items.map(printItem).join(','))).toEqual(items);
      }),
      { numRuns: 300 },
    );
  });

  it('logic trees, three levels deep', () => {
    fc.assert(
      fc.property(fc.constantFrom('and', 'or') as fc.Arbitrary<'and' | 'or'>, fc.boolean(), fc.array(condition(3), { minLength: 1, maxLength: 3 }), (kind, negated, conditions) => {
        const key = `${negated ? 'not.' : ''}${kind}`;
        const parsed = parseQuery([[key, `(${conditions.map(printCondition).join(',')})`]]);
        expect(parsed.conditions).toEqual([{ path: [], condition: { kind, negated, conditions } }]);
      }),
      { numRuns: 300 },
    );
  });

  it('order terms', () => {
    fc.assert(
      fc.property(fc.array(orderTerm, { minLength: 1, maxLength: 4 }), (terms) => {
        expect(parseOrder(terms.map(printTerm).join(','))).toEqual(terms);
      }),
      { numRuns: 300 },
    );
  });
});
