// Moved to src/http; src/graphql still imports it from here until the one-pipeline refactor
// points it at src/http (see pendingExceptions in eslint.config.js).
export { answerInTransaction } from '../http/index.js';
