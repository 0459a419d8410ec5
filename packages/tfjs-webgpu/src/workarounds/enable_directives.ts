import type { GpuDeviceLike } from '../gpu_types.js';

const ENABLE = /^[ \t]*enable[ \t]+[A-Za-z0-9_, \t]+;[ \t]*$/gm;

/**
 * Moves every WGSL `enable ...;` directive of `code` to its top (once each).
 * tfjs's webgpu backend writes its own declarations before a program's code,
 * and WGSL requires directives before any declaration, so a program that
 * needs `enable f16;` states it in its code and this hoists it. Code without
 * directives is returned unchanged.
 */
export function hoistEnableDirectives(code: string): string {
  const found = code.match(ENABLE);
  if (found == null) return code;
  const directives = [...new Set(found.map((d) => d.trim()))];
  return `${directives.join('\n')}\n${code.replace(ENABLE, '')}`;
}

/** Makes `device.createShaderModule` hoist `enable` directives ({@link hoistEnableDirectives}). */
export function hoistShaderDirectives(device: GpuDeviceLike): void {
  const create = device.createShaderModule.bind(device);
  device.createShaderModule = (descriptor) => {
    const d = descriptor as { code?: unknown };
    return create(typeof d.code === 'string' ? { ...descriptor, code: hoistEnableDirectives(d.code) } : descriptor);
  };
}
