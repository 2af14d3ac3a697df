/**
 * The service layer: what a supervised service is (spec.ts), how one lives (machine.ts), what the
 * supervisor needs from the OS to run one (process.ts) and its output as lines (lines.ts). It
 * imports nothing outside this directory.
 */
export * from './spec.js';
export * from './machine.js';
export * from './process.js';
export * from './lines.js';
