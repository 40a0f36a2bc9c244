export { buildGraphqlSchema } from './build-schema.js';
export { graphqlNaming, type GraphqlNaming, type NamingConvention } from './naming.js';
export type { BuiltSchema } from './build-schema.js';
export { graphqlMount } from './mount.js';
export { sdlMount } from './sdl-mount.js';
export type { GraphqlNamespace, GraphqlNamespaces } from './namespaces.js';
