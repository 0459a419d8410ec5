import { main } from '@byolmed3d/experiment';

// The CLI writes its help through process.stdout.write (commander).
const chunks = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (s, ...rest) => {
  chunks.push(String(s));
  return typeof rest[rest.length - 1] === 'function' ? (rest[rest.length - 1](), true) : true;
};
let code;
try {
  code = await main(['--help']);
} finally {
  process.stdout.write = write;
}
const text = chunks.join('');
if (code !== 0 || !text.includes('quickstart')) throw new Error(`help (exit ${code}): ${text}`);
console.log('ok');
