// `npm test` runs every project; each project's own jest.config.cjs runs just that project.
module.exports = {
  projects: ['<rootDir>/libs/*/jest.config.cjs', '<rootDir>/libs/domain/*/jest.config.cjs', '<rootDir>/apps/*/jest.config.cjs'],
};
