// Runs in every test file's environment: closes the Kafka clients the testkit opened for the file
// (its shared producer), so a run in one process ends when its tests do instead of waiting for the
// broker to drop the idle connections.
afterAll(async () => {
  const close = globalThis[Symbol.for('matchday.testkit.close')];
  if (typeof close === 'function') await close();
});
