export { rulesJsonSchema, JSON_SCHEMA_DIALECT, type RulesJsonSchemaOptions } from './rules.js';
export { pipelinesJsonSchema, configJsonSchema, CliConfigSchema, PipelinesFileSchema, UserSchema, ExceptionConfigSchema } from './config.js';
