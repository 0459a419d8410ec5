/**
 * Decides whether a variable is left out of weight decay and (for LARS) of
 * the trust-ratio adaptation. Receives the variable's name (the key of the
 * gradient map, e.g. `r3d_18_1/layer1.0.conv1.1.weight`) and its shape.
 */
export type ExcludePredicate = (name: string, shape: readonly number[]) => boolean;

/**
 * The default {@link ExcludePredicate}: excludes every variable of rank 0 or 1,
 * that is biases and the scale/shift of batch, group and layer norm, as BYOL
 * does ("biases and batch-norm parameters are excluded from weight decay and
 * LARS adaptation"). It goes by rank rather than by name because torchvision
 * names do not always say `bn` (`layer1.0.conv1.1.weight` is a BatchNorm3d
 * scale in r3d_18). Convolution and dense kernels (rank >= 2) are adapted and
 * decayed.
 */
export const excludeRankOne: ExcludePredicate = (_name, shape) => shape.length <= 1;

/**
 * An {@link ExcludePredicate} that excludes variables whose name matches
 * `pattern`, e.g. `excludeByName(/(bias|bn|norm|downsample\.1)/)`.
 */
export function excludeByName(pattern: RegExp): ExcludePredicate {
  return (name) => {
    pattern.lastIndex = 0;
    return pattern.test(name);
  };
}

/** An {@link ExcludePredicate} that excludes a variable when any of `predicates` does. */
export function excludeAny(...predicates: ExcludePredicate[]): ExcludePredicate {
  return (name, shape) => predicates.some((p) => p(name, shape));
}

/** An {@link ExcludePredicate} that excludes nothing (decay and adapt every variable). */
export const excludeNone: ExcludePredicate = () => false;
