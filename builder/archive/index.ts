/** The archive layer: records, decorators, newc writer, tar reader, directory reader, patterns. */
export * from './records.js';
export * from './decorators.js';
export * from './cpio.js';
export * from './tar.js';
export * from './fsdir.js';
export * from './match.js';
