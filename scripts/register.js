// Runs TypeScript sources directly (decorator metadata and @tip/* paths included) for
// `npm start`, `npm run bench` and the CLI, so a fresh clone needs no build step.
const path = require('node:path');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
