// The app imports the API's zod schemas and types from ../contract (TypeScript source, outside
// this project), so Metro must watch that folder and resolve its imports (zod) from here.
const path = require('node:path');
const { getDefaultConfig } = require('expo/metro-config');

const projectRoot = __dirname;
const contractRoot = path.resolve(projectRoot, '../contract');

const config = getDefaultConfig(projectRoot);
config.watchFolders = [...(config.watchFolders ?? []), contractRoot];
config.resolver.nodeModulesPaths = [path.resolve(projectRoot, 'node_modules')];
config.resolver.disableHierarchicalLookup = true;
module.exports = config;
