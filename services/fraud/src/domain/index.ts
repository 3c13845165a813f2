export * from './fraud-detection';
export * from './lists';
export * from './payment-method';
export * from './review';
export * from './risk';
export * from './rules';
