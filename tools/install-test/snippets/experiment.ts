import { main } from '@byolmed3d/experiment';

const code: Promise<number> = main(['--help']);
export { code };
