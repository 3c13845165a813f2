export { repoRoot, startPlatform, waitReady, type Platform, type PlatformOptions, type RunningService } from './platform';
export { services, schemaOf, roleOf, SANDBOX_PORT, PROMETHEUS_PORT, type ServiceSpec } from './services';
