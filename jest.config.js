/** Jest 30 + @swc/jest, native ESM (run with node --experimental-vm-modules). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  // tests/unit, integration, e2e, and tests/contract (against the real MDAD in ../shared/mdad).
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  globalSetup: '<rootDir>/tests/global-setup.js',
  globalTeardown: '<rootDir>/tests/global-teardown.js',
  testTimeout: 60000,
  // Integration tests start real servers (sshd, DNS, ansible-playbook): keep them apart.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/summary-reporter.js'],
};
