import { isOneDnnAvailable, registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';

const available: boolean = isOneDnnAvailable();
const name: Promise<string> = registerOneDnnBackend({ threads: 2 });
export { available, name };
