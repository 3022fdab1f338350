'use strict';
// A parallel rebuild's partition (rebuild-worker.ts) runs in a worker thread, which starts without
// the TypeScript loader of the thread that made it when that one is Jest's: it registers the
// project's own (scripts/register.js) unless inherited (`node -r scripts/register.js`).
if (!require.extensions['.ts']) require('../../../../scripts/register.js');
require('./rebuild-worker.ts');
