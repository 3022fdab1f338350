// `npm start`: builds the web app if its sources changed (see build-web.js), then runs the API
// from its TypeScript sources (see register.js); the API serves the web app at `/`.
const { ensureWebBuilt } = require('./build-web.js');

ensureWebBuilt()
  .catch((error) => {
    // The API is still worth having: say so loudly and serve it without the web app's newest build.
    console.error(`Building the web app failed, serving the API with the last build (if any): ${error.message}`);
  })
  .then(() => {
    require('./register.js');
    require('../apps/api/src/main.ts');
  });
