export * from './error-serializer';
export * from './logging';
export * from './metrics';
