/**
 * Console login moved into the admin role (overlay/roles/admin/login.ts), which writes root's
 * /etc/shadow line and runs the getty services in its phase; re-exported here for older imports.
 */
export { LOGIN_PROGRAM, loginServices, shadowWithRoot } from '../roles/admin/login.js';
