export { renderOpenApi } from './render-open-api.js';
export type { OpenApiOptions } from './render-open-api.js';
