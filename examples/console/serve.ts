/**
 * `npm run console`: the demo console on http://127.0.0.1:5177 (PORT to change it). Switch between
 * Anna and Boris (sellers) and Maria (their head) in the header; move the fake clock there too.
 * Ctrl-C stops it.
 */
import { createServer } from 'node:http';
import { nodeListener } from '../../src/console/index.js';
import { createDemo } from './demo.js';

const port = Number(process.env.PORT ?? 5177);
const demo = await createDemo();
const server = createServer(nodeListener(demo.handler));
server.listen(port, '127.0.0.1', () => {
  console.log(`dealflow console demo: http://127.0.0.1:${port}/  (Ctrl-C to stop)`);
  console.log('Anna and Boris sell, Maria is their head: switch user in the header. The clock is a fake one: move it in the header.');
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
