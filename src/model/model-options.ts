import { createHash } from 'node:crypto';
import type { NamingCase } from './inflect.js';
import type { RootFieldKind } from './type-graph.js';

/** The parts of the config that shape the type graph (names, omissions, relationships). */
export interface ModelOptions {
  /** the schemas asked for, in order; one that does not exist is a warning */
  readonly schemas?: readonly string[];
  readonly naming: NamingCase;
  readonly tables: Readonly<Record<string, TableConfig>>;
  readonly functions: Readonly<Record<string, { readonly omit?: boolean | undefined; readonly name?: string | undefined }>>;
  readonly relationships: readonly ManualRelationshipConfig[];
}

export interface TableConfig {
  readonly omit?: boolean | undefined;
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly columns?: Readonly<Record<string, { readonly omit?: boolean | undefined; readonly name?: string | undefined }>> | undefined;
  readonly relationships?: Readonly<Record<string, string>> | undefined;
  readonly primaryKey?: readonly string[] | undefined;
  /** Hasura's `is_enum`: the table's `value`s are an enum, for the columns that reference it */
  readonly isEnum?: boolean | undefined;
  /** Hasura's `custom_root_fields` */
  readonly rootFields?: Readonly<Partial<Record<RootFieldKind, string | undefined>>> | undefined;
}

export interface ManualRelationshipConfig {
  readonly table: string;
  readonly name: string;
  readonly type: 'object' | 'array';
  readonly target: string;
  readonly mapping: Readonly<Record<string, string>>;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = { naming: 'database', tables: {}, functions: {}, relationships: [] };

export function configDigest(options: ModelOptions): string {
  const text = JSON.stringify([options.schemas ?? [], options.naming, options.tables, options.functions, options.relationships]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
