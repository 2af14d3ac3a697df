/**
 * The service layer moved to overlay/service/ (no dependencies on roles, supervisor or system);
 * this module re-exports it for code that still imports it from here.
 */
export * from '../service/index.js';
