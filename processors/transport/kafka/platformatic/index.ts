export { PlatformaticTransport } from './platformatic-transport.js';
export { classifyPlatformaticError } from './errors.js';
