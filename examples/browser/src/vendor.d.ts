// The @cornerstonejs codecs ship no types: their Emscripten module factories, as video-io loads them.
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs';
declare module '@cornerstonejs/codec-openjph/wasmjs';
declare module '@cornerstonejs/codec-charls/decodewasmjs';
