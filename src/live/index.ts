/**
 * Live queries and streams, multiplexed: one statement per query shape and interval, whatever
 * the number of subscribers. The transports (graphql/ WebSockets, rest/ server-sent events)
 * bring authorized, compiled statements; this folder only refetches and compares.
 */
export { LiveEngine } from './engine.js';
export type { Advance, LiveOptions, LiveSink, LiveSource } from './engine.js';
export { SubscriptionLimits } from './limits.js';
export type { SubscriptionLimitOptions } from './limits.js';
export { Outbox } from './outbox.js';
export { liveRunner } from './runner.js';
