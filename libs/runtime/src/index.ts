export * from './lifecycle';
export * from './ports';
export * from './local-services';
