export * from './catalogue';
export * from './channels';
export * from './delivery-status';
export * from './dispatch-policy';
export * from './rate-limit';
export * from './templates';
