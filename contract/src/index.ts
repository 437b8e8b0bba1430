export * from './names.ts';
export * from './errors.ts';
export * from './auth.ts';
export * from './hub.ts';
export * from './catalog.ts';
export * from './health.ts';
export * from './downloads.ts';
export * from './hf-link.ts';
