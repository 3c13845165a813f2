import { baseEnv, ConfigError, loadConfig, z } from './index';

describe('loadConfig', () => {
  it('when the environment is valid, then defaults are applied and the result is frozen', () => {
    const cfg = loadConfig(baseEnv.extend({ PORT: z.coerce.number().default(3000) }), { KAFKA_BROKERS: 'a:1, b:2' });
    expect(cfg.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(cfg.PORT).toBe(3000);
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('when a variable is invalid, then start-up fails naming every bad variable', () => {
    expect(() => loadConfig(baseEnv, { DB_POOL_MAX: '500', DATABASE_URL: 'nope' })).toThrow(ConfigError);
    try {
      loadConfig(baseEnv, { DB_POOL_MAX: '500', DATABASE_URL: 'nope' });
    } catch (e) {
      expect((e as ConfigError).issues.join('\n')).toMatch(/DB_POOL_MAX[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*DB_POOL_MAX/);
    }
  });
});
