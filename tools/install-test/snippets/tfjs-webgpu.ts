import { registerWebGpuBackend, type WebGpuBackendInfo, type WebGpuBackendOptions } from '@byolmed3d/tfjs-webgpu';

const options: WebGpuBackendOptions = { allowSoftware: false };
const info: Promise<WebGpuBackendInfo> = registerWebGpuBackend(options);
export { info };
