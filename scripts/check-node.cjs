// Runs before anything else in `npm install`, `npm start` and `npm test` (see package.json), in
// CommonJS and old syntax on purpose: on an old Node the TypeScript files cannot even load, and the
// person deserves words, not ERR_UNKNOWN_FILE_EXTENSION. (The Docker builds run `npm ci` without the
// scripts/ folder, on their own Node 24: there the preinstall skips this file.)
'use strict';

var NEEDED = 24;

function problem(versions) {
  var found = String(versions?.node || '');
  var major = parseInt(found.split('.')[0], 10);
  if (major >= NEEDED) return null;
  return (
    'D011DL needs Node.js ' +
    NEEDED +
    ' or newer (found ' +
    (found || 'an unknown version') +
    ').\n' +
    'Get it with nvm (https://github.com/nvm-sh/nvm): nvm install ' +
    NEEDED +
    ' && nvm use ' +
    NEEDED +
    '\n' +
    'or from NodeSource (https://github.com/nodesource/distributions) or https://nodejs.org, then run this again.'
  );
}

module.exports = { problem: problem, NEEDED: NEEDED };

if (require.main === module) {
  var message = problem(process.versions);
  if (message) {
    console.error(message);
    process.exit(1);
  }
}
