import { main } from '@byolmed3d/experiment';

const lines = [];
const log = console.log;
console.log = (...a) => lines.push(a.join(' '));
const code = await main(['--help']);
console.log = log;
if (code !== 0 || !lines.join('\n').includes('quickstart')) throw new Error(`help: ${lines.join('\n')}`);
console.log('ok');
