#!/usr/bin/env node
import { runCli } from './run.js';

/** The `dealflow` executable: the real process streams around `runCli`. */
const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: async () => {
    let text = '';
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) text += chunk;
    return text;
  },
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dealflow: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
