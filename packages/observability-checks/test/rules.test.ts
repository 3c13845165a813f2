import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  alertTestCases,
  loadRules,
  PATHS,
  PROMTOOL_MISSING,
  repoPath,
  requirePromtool,
  runPromtool,
} from '../src';

const rulesDir = repoPath(PATHS.rules);
const testsDir = repoPath(PATHS.ruleTests);
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.yml'));
const testFiles = readdirSync(testsDir).filter((f) => f.endsWith('.test.yml'));
const fixtures = path.join(__dirname, 'fixtures', 'promtool');
const rules = loadRules(rulesDir);
const alerts = rules.filter((r) => r.kind === 'alert');

describe('Prometheus rules (promtool)', () => {
  it('when promtool checks every rule file, then each is valid', () => {
    const result = runPromtool(requirePromtool(), ['check', 'rules', ...ruleFiles], rulesDir);
    expect(result.output).not.toContain('FAILED');
    expect(result.ok).toBe(true);
    expect(ruleFiles.length).toBeGreaterThanOrEqual(2);
  });

  it('when promtool runs the unit tests in infra/prometheus/tests, then every case passes', () => {
    const result = runPromtool(requirePromtool(), ['test', 'rules', ...testFiles], testsDir);
    expect(result.output).not.toContain('FAILED');
    expect(result.ok).toBe(true);
  });

  it('when a rule file has a broken expression and duration, then promtool rejects it and says why', () => {
    const result = runPromtool(requirePromtool(), ['check', 'rules', 'invalid-rules.yml'], fixtures);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED/);
    expect(result.output).toMatch(/five minutes|parse error|unclosed/i);
  });

  it('when a unit test expects an alert the data cannot raise, then promtool test rules fails', () => {
    const result = runPromtool(requirePromtool(), ['test', 'rules', 'wrong-expectation.test.yml'], fixtures);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('QueueBacklog');
  });

  it('when promtool is not on PATH, then the checks fail with how to install it', () => {
    expect(() => requirePromtool('/nonexistent')).toThrow(PROMTOOL_MISSING);
    expect(PROMTOOL_MISSING).toContain('apt-get install');
  });
});

describe('Alert coverage', () => {
  const cases = alertTestCases(testFiles.map((f) => path.join(testsDir, f)));

  it.each(alerts.map((a) => [a.name]))('when %s is tested, then one case fires it and another keeps it quiet', (name) => {
    const mine = cases.filter((c) => c.alertname === name);
    expect({ name, fires: mine.some((c) => c.fires) }).toEqual({ name, fires: true });
    expect({ name, quiet: mine.some((c) => !c.fires) }).toEqual({ name, quiet: true });
  });

  it('when a unit test names an alert, then that alert exists in the rule files', () => {
    const names = new Set(alerts.map((a) => a.name));
    expect(cases.filter((c) => !names.has(c.alertname)).map((c) => `${c.file}: ${c.alertname}`)).toEqual([]);
  });

  it.each([
    ['High booking failure rate', 'booking', ['BookingFailureRateHigh', 'BookingRequestFailureRateHigh']],
    ['Payment gateway issues', 'payment', ['PaymentGatewayBreakerOpen', 'PaymentGatewayErrorRateHigh', 'PaymentSuccessRateLow']],
    ['Database connection problems', 'database', ['DatabasePoolSaturated', 'DatabaseConnectionWaits', 'DatabaseErrorRateHigh']],
    ['High API error rate', 'api', ['HighApiErrorRate']],
    ['Unusual booking patterns', 'booking-patterns', ['BookingRateSpike', 'BookingRateDrop', 'FraudBlockRateHigh', 'RateLimitSurge']],
  ])('when the seed asks to alert on "%s", then group %s holds its alerts', (_condition, group, names) => {
    const inGroup = alerts.filter((a) => a.group === group).map((a) => a.name);
    expect(inGroup).toEqual(expect.arrayContaining(names));
  });

  it('when an alert or recording rule is named twice, then that is reported', () => {
    const seen = rules.map((r) => `${r.kind}:${r.name}`);
    expect(seen.filter((n, i) => seen.indexOf(n) !== i)).toEqual([]);
  });
});
