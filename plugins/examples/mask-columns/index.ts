import { z } from 'zod';
import { declarePlugin, type PgduetPlugin } from '../../../src/chain/index.js';

/**
 * An example user plugin: masking. In every answer (GraphQL or REST, top level or nested),
 * the values of the listed keys are replaced, for every role but the exempt ones.
 *
 * ```yaml
 * plugins:
 *   - module: ./plugins/examples/mask-columns/index.ts
 *     options: { keys: [email, phone], replacement: "***", exemptRoles: [admin] }
 * ```
 *
 * It works on answers, so it masks the response keys it is told (an alias the client chooses
 * escapes it): to hide a column for good, use `permissions`, which removes it from the role's
 * schema. A plugin with `onResult` makes answers parsed and printed again.
 */
export const maskColumnsOptions = z
  .object({
    keys: z.array(z.string().min(1)).min(1, 'expected at least one key to mask'),
    replacement: z.string().default('***'),
    exemptRoles: z.array(z.string()).default([]),
  })
  .strict();

/** The options with their defaults filled in. */
export type MaskColumnsOptions = z.output<typeof maskColumnsOptions>;

/** The declaration the server loads (the module's default export). */
export default declarePlugin({
  name: 'example-mask-columns',
  description: 'masks the values of some keys in every answer',
  options: maskColumnsOptions,
  create: (options) => maskColumns(options),
});

/** The plugin itself, for options already checked. */
export function maskColumns(options: MaskColumnsOptions): PgduetPlugin {
  const keys = new Set(options.keys);
  const { replacement } = options;
  const exempt = new Set(options.exemptRoles);
  const mask = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(mask);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keys.has(k) && v !== null ? replacement : mask(v)]));
  };
  return {
    name: 'example-mask-columns',
    description: `masks ${[...keys].join(', ')} in every answer`,
    onResult: (event) => {
      if (!exempt.has(event.identity.role)) event.setResult(mask(event.result));
    },
  };
}
