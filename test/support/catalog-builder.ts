import type {
  Catalog,
  CatalogColumn,
  CatalogConstraint,
  CatalogFunction,
  CatalogRelation,
  CatalogType,
} from '../../src/introspection/index.js';

/**
 * Builds hand-written catalogs for unit tests of the model, in the shape the catalog query
 * returns, without a database. Types are named by their pg_catalog name (`int4`, `text`).
 */

const BASE_TYPES: Readonly<Record<string, string>> = {
  bool: '16',
  int8: '20',
  int2: '21',
  int4: '23',
  text: '25',
  json: '114',
  float8: '701',
  varchar: '1043',
  date: '1082',
  timestamptz: '1184',
  numeric: '1700',
  uuid: '2950',
  jsonb: '3802',
};

const PSEUDO_TYPES: Readonly<Record<string, string>> = {
  record: '2249',
  void: '2278',
  trigger: '2279',
  anyelement: '2283',
  internal: '2281',
};

export interface TableSpec {
  readonly schema?: string;
  readonly kind?: CatalogRelation['relkind'];
  readonly comment?: string;
  readonly pk?: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  readonly fks?: readonly {
    readonly name?: string;
    readonly columns: readonly string[];
    readonly target: string;
    readonly targetColumns: readonly string[];
  }[];
  /** pg_relation_is_updatable mask for views */
  readonly updatable?: number;
  readonly columnComments?: Readonly<Record<string, string>>;
  readonly notNull?: readonly string[];
}

export interface FunctionSpec {
  readonly name: string;
  readonly schema?: string;
  readonly args?: readonly { readonly name?: string; readonly type: string; readonly mode?: 'i' | 'o' | 'b' | 'v' | 't' }[];
  readonly returns: string;
  readonly set?: boolean;
  readonly volatility?: 'i' | 's' | 'v';
  readonly defaults?: number;
  readonly procedure?: boolean;
  readonly comment?: string;
}

export class CatalogBuilder {
  readonly #schemas: string[];
  readonly #relations: CatalogRelation[] = [];
  readonly #columns: CatalogColumn[] = [];
  readonly #constraints: CatalogConstraint[] = [];
  readonly #functions: CatalogFunction[] = [];
  readonly #types = new Map<string, CatalogType>();
  #nextOid = 100_000;

  constructor(schemas: readonly string[] = ['public']) {
    this.#schemas = [...schemas];
    for (const [name, oid] of Object.entries(BASE_TYPES)) {
      this.#types.set(oid, type(oid, 'pg_catalog', name, 'b'));
      const arrayOid = String(Number(oid) + 500_000);
      this.#types.set(arrayOid, { ...type(arrayOid, 'pg_catalog', `_${name}`, 'b'), category: 'A', element_oid: oid });
    }
    for (const [name, oid] of Object.entries(PSEUDO_TYPES)) this.#types.set(oid, type(oid, 'pg_catalog', name, 'p'));
  }

  #oid(): string {
    return String(this.#nextOid++);
  }

  /** `int4`, `text[]`, `public.mood` (an enum or domain added before), `public.film` (a row type) */
  typeOid(name: string): string {
    const isArray = name.endsWith('[]');
    const base = isArray ? name.slice(0, -2) : name;
    const [schema, typeName] = base.includes('.') ? (base.split('.') as [string, string]) : ['pg_catalog', base];
    const found = [...this.#types.values()].find((t) => t.schema === schema && t.name === typeName);
    if (found === undefined) throw new Error(`test catalog: unknown type ${name}`);
    if (!isArray) return found.oid;
    const arrayType = [...this.#types.values()].find((t) => t.element_oid === found.oid);
    if (arrayType !== undefined) return arrayType.oid;
    const oid = this.#oid();
    this.#types.set(oid, { ...type(oid, found.schema, `_${found.name}`, 'b'), category: 'A', element_oid: found.oid });
    return oid;
  }

  enumType(qualified: string, values: readonly string[], comment?: string): this {
    const [schema, name] = qualified.split('.') as [string, string];
    const oid = this.#oid();
    this.#types.set(oid, { ...type(oid, schema, name, 'e'), enum_values: [...values], comment: comment ?? null });
    return this;
  }

  domain(qualified: string, base: string): this {
    const [schema, name] = qualified.split('.') as [string, string];
    const oid = this.#oid();
    this.#types.set(oid, { ...type(oid, schema, name, 'd'), base_oid: this.typeOid(base) });
    return this;
  }

  composite(qualified: string, attributes: Readonly<Record<string, string>>): this {
    const [schema, name] = qualified.split('.') as [string, string];
    const oid = this.#oid();
    this.#types.set(oid, {
      ...type(oid, schema, name, 'c'),
      category: 'C',
      attributes: Object.entries(attributes).map(([attr, t]) => ({ name: attr, type_oid: this.typeOid(t), not_null: false })),
    });
    return this;
  }

  table(name: string, columns: Readonly<Record<string, string>>, spec: TableSpec = {}): this {
    const schema = spec.schema ?? this.#schemas[0] ?? 'public';
    const oid = this.#oid();
    const typeOid = this.#oid();
    this.#relations.push({
      oid,
      schema,
      name,
      relkind: spec.kind ?? 'r',
      type_oid: typeOid,
      comment: spec.comment ?? null,
      updatable_mask: spec.kind === 'v' || spec.kind === 'f' ? (spec.updatable ?? 0) : null,
    });
    this.#types.set(typeOid, { ...type(typeOid, schema, name, 'c'), category: 'C', relid: oid });
    Object.entries(columns).forEach(([column, typeName], i) => {
      const inPk = spec.pk?.includes(column) === true;
      this.#columns.push({
        relid: oid,
        attnum: i + 1,
        name: column,
        type_oid: this.typeOid(typeName),
        typmod: -1,
        not_null: inPk || spec.notNull?.includes(column) === true,
        has_default: false,
        default_expr: null,
        identity: '',
        generated: '',
        comment: spec.columnComments?.[column] ?? null,
      });
    });
    const attnums = (cols: readonly string[], relid = oid): number[] =>
      cols.map((c) => {
        const found = this.#columns.find((col) => col.relid === relid && col.name === c);
        if (found === undefined) throw new Error(`test catalog: no column ${c}`);
        return found.attnum;
      });
    if (spec.pk !== undefined) this.#constraint(oid, `${name}_pkey`, 'p', attnums(spec.pk));
    spec.unique?.forEach((cols) => this.#constraint(oid, `${name}_${cols.join('_')}_key`, 'u', attnums(cols)));
    for (const fk of spec.fks ?? []) {
      const target = this.#relations.find((r) => r.name === fk.target || `${r.schema}.${r.name}` === fk.target);
      if (target === undefined) throw new Error(`test catalog: add ${fk.target} before ${name}`);
      this.#constraints.push({
        oid: this.#oid(),
        name: fk.name ?? `${name}_${fk.columns.join('_')}_fkey`,
        relid: oid,
        contype: 'f',
        columns: attnums(fk.columns),
        foreign_relid: target.oid,
        foreign_columns: attnums(fk.targetColumns, target.oid),
        definition: null,
        comment: null,
      });
    }
    return this;
  }

  #constraint(relid: string, name: string, contype: 'p' | 'u', columns: number[]): void {
    this.#constraints.push({ oid: this.#oid(), name, relid, contype, columns, foreign_relid: null, foreign_columns: null, definition: null, comment: null });
  }

  fn(spec: FunctionSpec): this {
    const args = spec.args ?? [];
    const hasModes = args.some((a) => a.mode !== undefined && a.mode !== 'i');
    const inArgs = args.filter((a) => a.mode === undefined || a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
    this.#functions.push({
      oid: this.#oid(),
      schema: spec.schema ?? this.#schemas[0] ?? 'public',
      name: spec.name,
      prokind: spec.procedure === true ? 'p' : 'f',
      arg_names: args.length === 0 ? null : args.map((a) => a.name ?? ''),
      arg_types: args.map((a) => this.typeOid(a.type)),
      arg_modes: hasModes ? args.map((a) => a.mode ?? 'i') : null,
      num_in_args: inArgs.length,
      num_defaults: spec.defaults ?? 0,
      variadic_type_oid: '0',
      return_type_oid: this.typeOid(spec.returns),
      returns_set: spec.set ?? false,
      volatility: spec.volatility ?? 'v',
      strict: false,
      security_definer: false,
      language: 'sql',
      comment: spec.comment ?? null,
    });
    return this;
  }

  build(): Catalog {
    return {
      server_version_num: 150000,
      schemas: [...this.#schemas].sort(),
      relations: [...this.#relations].sort((a, b) => (a.schema + a.name < b.schema + b.name ? -1 : 1)),
      columns: this.#columns,
      constraints: this.#constraints,
      functions: this.#functions,
      types: [...this.#types.values()],
    };
  }
}

function type(oid: string, schema: string, name: string, typtype: CatalogType['typtype']): CatalogType {
  return {
    oid,
    schema,
    name,
    typtype,
    category: typtype === 'p' ? 'P' : 'U',
    element_oid: null,
    base_oid: null,
    domain_not_null: false,
    relid: null,
    range_subtype_oid: null,
    enum_values: null,
    attributes: null,
    comment: null,
  };
}
