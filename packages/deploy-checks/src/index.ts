// Offline checks of the deployment descriptors (docker-compose.yml, Dockerfile, k8s/, infra/).
// The tests in test/ run them against the repository; the functions are exported so a script or
// another package can run them too.
export * from './compose';
export * from './dockerfile';
export * from './endpoints';
export * from './grafana';
export * from './k8s';
export * from './otel';
export * from './platform';
export * from './postgres';
export * from './prometheus';
export * from './repo';
