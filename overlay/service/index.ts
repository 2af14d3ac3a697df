/** The service layer: what a supervised service is (spec.ts) and how one lives (machine.ts). No dependencies. */
export * from './spec.js';
export * from './machine.js';
