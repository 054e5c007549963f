export * from './frame-header.js';
export * from './messages.js';
export * from './errors.js';
export * from './validate.js';
