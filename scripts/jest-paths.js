// Maps tsconfig "paths" to jest moduleNameMapper so both read one list.
const { compilerOptions } = require('../tsconfig.json');

function pathsToModuleNameMapper() {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    const key = '^' + alias.replace('/*', '/(.*)') + '$';
    mapper[key] = '<rootDir>/' + target.replace('/*', '/$1');
  }
  return mapper;
}

module.exports = { pathsToModuleNameMapper };
