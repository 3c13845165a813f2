export * from './ledger';
export * from './reconcile';
