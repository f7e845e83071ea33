// Two projects: unit (pure, fast, no servers) and integration (real PostgreSQL, Kafka mock
// cluster and nats-server started by test/infra). `npm test` runs both.
const transform = { '^.+\\.ts$': ['ts-jest', {}] };
module.exports = {
  // testTimeout is a global option (ignored inside a project): integration tests talk to real
  // servers and wait on recoveries of tens of seconds.
  testTimeout: 180000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/infra/global-setup.ts',
      globalTeardown: '<rootDir>/test/infra/global-teardown.ts',
    },
  ],
};
