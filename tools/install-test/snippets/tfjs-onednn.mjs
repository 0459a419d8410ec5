import { isOneDnnAvailable, oneDnnUnavailableReason, registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';

// Installed from its tarball alone the addon is not built (npm runs no install
// scripts here): the package must still import and explain itself in one line.
if (isOneDnnAvailable()) {
  const name = await registerOneDnnBackend({ threads: 1 });
  if (typeof name !== 'string') throw new Error('backend name');
} else {
  const why = oneDnnUnavailableReason();
  if (typeof why !== 'string' || why.length === 0) throw new Error('no reason given');
}
console.log('ok');
