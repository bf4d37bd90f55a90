/**
 * superfilter's public API. Everything a user imports comes from here; internal modules may
 * change shape between releases, these exports may not.
 */
export * from './errors.ts';
export type * from './contracts.ts';
export { parseConfig, configReference, configSchema } from './config.ts';
export type { Config, ConfigInput } from './config.ts';
