// `npm test` runs every project; each project's own jest.config.cjs runs just that project.
module.exports = {
  // Integration specs talk to real servers; testTimeout is a global option, so it is set here too.
  testTimeout: 60_000,
  projects: ['<rootDir>/libs/*/jest.config.cjs', '<rootDir>/libs/domain/*/jest.config.cjs', '<rootDir>/apps/*/jest.config.cjs'],
};
