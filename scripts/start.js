// `npm start`: runs the API from its TypeScript sources (see register.js); no build step needed.
require('./register.js');
require('../apps/api/src/main.ts');
