import { registerWebGpuBackend, WebGpuUnavailableError, flattenRequiredFeatures } from '@byolmed3d/tfjs-webgpu';

// The package and its optional Dawn binding install from the tarballs alone. A
// machine without a GPU has no hardware adapter: that must be a typed refusal.
const f = flattenRequiredFeatures({ requiredFeatures: ['a', ['b']] });
if (f.requiredFeatures?.join(',') !== 'a,b') throw new Error(`flattenRequiredFeatures gave ${JSON.stringify(f)}`);
try {
  const info = await registerWebGpuBackend({ allowSoftware: false });
  console.log(`webgpu on ${info.adapter.name}`);
} catch (err) {
  if (!(err instanceof WebGpuUnavailableError)) throw err;
}
console.log('ok');
