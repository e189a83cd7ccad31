export * from './orders';
export * from './supply';
