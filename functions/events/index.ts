export * from './catalog';
export * from './orders';
export * from './inventory';
export * from './risk';
export * from './points';
export * from './identity';
export * from './config';
