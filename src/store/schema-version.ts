/**
 * The schema version this gmv writes (the last migration's). Kept apart from the migrations so code
 * that only reads the vault can check it without loading the query builder they are written with.
 */
export const SCHEMA_VERSION = 17;
