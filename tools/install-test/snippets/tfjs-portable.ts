import { registerPortableBackend, type PortableBackendOptions } from '@byolmed3d/tfjs-portable';

const options: PortableBackendOptions = { chunkBytes: 16 * 2 ** 20 };
const name: Promise<string> = registerPortableBackend(options);
export { name };
