export { quoteIdentifier, quoteQualified } from './identifier.js';
