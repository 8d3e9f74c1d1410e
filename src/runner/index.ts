export { Runner, createRunner, type RunnerOptions, type RunnerStats, type RunnerErrorContext } from './runner.js';
