// The optional DICOM codecs of @byolmed3d/video-io (JPEG 2000, HTJ2K, JPEG-LS),
// imported statically so that Vite bundles them, each loaded on first use.
import { registerDicomCodec } from '@byolmed3d/video-io';
import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import openjphWasm from '@cornerstonejs/codec-openjph/wasm?url';
import charlsWasm from '@cornerstonejs/codec-charls/decodewasm?url';

registerDicomCodec('openjpeg', { load: () => import('@cornerstonejs/codec-openjpeg/decodewasmjs'), wasmUrl: openjpegWasm });
registerDicomCodec('openjph', { load: () => import('@cornerstonejs/codec-openjph/wasmjs'), wasmUrl: openjphWasm });
registerDicomCodec('charls', { load: () => import('@cornerstonejs/codec-charls/decodewasmjs'), wasmUrl: charlsWasm });
