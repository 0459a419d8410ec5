import type { Random } from '@byolmed3d/util';

/** The three MRNet planes, in MRNet's folder names. */
export type Plane = 'axial' | 'coronal' | 'sagittal';

/** Every plane, in MRNet order. */
export const PLANES: readonly Plane[] = ['axial', 'coronal', 'sagittal'];

/** Labels of one phantom exam (MRNet's three tasks). */
export interface ExamLabels {
  /** Any abnormality (a tear, effusion or bone bruise). */
  abnormal: boolean;
  /** Anterior cruciate ligament tear. */
  acl: boolean;
  /** Meniscal tear. */
  meniscus: boolean;
}

/** Options of {@link renderExam}. */
export interface PhantomOptions {
  /** In-plane size in pixels (MRNet: 256); default 256. */
  size?: number;
  /** Inclusive range of slice counts per plane; default `[20, 40]` (MRNet spans about 17 to 51). */
  slices?: [number, number];
}

/** One plane of a rendered exam. */
export interface PlaneStack {
  /** uint8 voxels, C order. */
  data: Uint8Array;
  /** `[slices, size, size]`. */
  shape: [number, number, number];
}

/** One rendered exam: a uint8 `(slices, size, size)` stack per plane, and its labels. */
export interface PhantomExam {
  /** Per plane: data and shape `[s, size, size]`. */
  planes: Record<Plane, PlaneStack>;
  /** Ground truth. */
  labels: ExamLabels;
}

/** Draws the labels of one exam at MRNet's prevalences (ACL about 23%, meniscus 37%, abnormal 80%). */
export function drawLabels(rng: Random): ExamLabels {
  const acl = rng.bernoulli(0.23);
  // Meniscal tears are more common with an ACL tear, as in MRNet.
  const meniscus = rng.bernoulli(acl ? 0.55 : 0.32);
  const other = rng.bernoulli(0.59);
  return { acl, meniscus, abnormal: acl || meniscus || other };
}

interface Anatomy {
  labels: ExamLabels;
  effusion: boolean;
  bruise: [number, number, number, number] | null;
  // ACL endpoints (tibial, femoral) and tear parameters.
  aclA: [number, number, number];
  aclB: [number, number, number];
  aclHalfWidth: number;
  aclThick: number;
  tearAt: number;
  tearLen: number;
  tearMid: [number, number, number];
  menTear: { side: number; angle: number; w: number };
  contrast: number[];
  tex: { f: [number, number, number]; ph: number; a: number }[];
  // Pose: rotation matrix rows, translation, scale.
  rot: number[];
  trans: [number, number, number];
  scale: number;
}

function drawAnatomy(rng: Random, labels: ExamLabels): Anatomy {
  const jitter = (): number => 1 + 0.12 * rng.normal();
  const other = labels.abnormal && !labels.acl && !labels.meniscus;
  const effusion = labels.acl ? rng.bernoulli(0.6) : other ? rng.bernoulli(0.6) : rng.bernoulli(0.12);
  const bruise = labels.acl || (other && !effusion) || rng.bernoulli(0.05)
    ? ([rng.uniform(-0.35, 0.35), rng.uniform(-0.1, 0.25), rng.bernoulli(0.5) ? rng.uniform(0.15, 0.4) : rng.uniform(-0.45, -0.2), rng.uniform(0.08, 0.16)] as [number, number, number, number])
    : null;
  const flex = (rng.uniform(-14, 14) * Math.PI) / 180;
  const yaw = (rng.uniform(-8, 8) * Math.PI) / 180;
  // Rotation about u (flexion, in the v-w plane) then about w (yaw).
  const cf = Math.cos(flex), sf = Math.sin(flex), cy = Math.cos(yaw), sy = Math.sin(yaw);
  const rf = [1, 0, 0, 0, cf, -sf, 0, sf, cf];
  const ry = [cy, -sy, 0, sy, cy, 0, 0, 0, 1];
  const rot = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += (ry[i * 3 + k] as number) * (rf[k * 3 + j] as number);
      rot[i * 3 + j] = s;
    }
  const aclA: [number, number, number] = [rng.uniform(-0.03, 0.03), rng.uniform(-0.2, -0.12), rng.uniform(-0.1, -0.05)];
  const aclB: [number, number, number] = [rng.uniform(-0.1, -0.04), rng.uniform(0.14, 0.22), rng.uniform(0.2, 0.28)];
  const tearAt = rng.uniform(0.35, 0.65);
  return {
    labels,
    effusion,
    bruise,
    aclA,
    aclB,
    tearMid: [aclA[0] + tearAt * (aclB[0] - aclA[0]), aclA[1] + tearAt * (aclB[1] - aclA[1]), aclA[2] + tearAt * (aclB[2] - aclA[2])],
    aclHalfWidth: rng.uniform(0.11, 0.15),
    aclThick: rng.uniform(0.055, 0.075),
    tearAt,
    tearLen: rng.uniform(0.25, 0.4),
    menTear: { side: rng.bernoulli(0.6) ? 1 : -1, angle: rng.uniform(-0.6, 0.6), w: rng.uniform(0.3, 0.7) },
    contrast: [jitter(), jitter(), jitter(), jitter(), jitter(), jitter()],
    tex: Array.from({ length: 4 }, () => ({
      f: [rng.uniform(4, 14), rng.uniform(4, 14), rng.uniform(4, 14)] as [number, number, number],
      ph: rng.uniform(0, 2 * Math.PI),
      a: rng.uniform(0.02, 0.05),
    })),
    rot,
    trans: [rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08)],
    scale: rng.uniform(0.9, 1.1),
  };
}

const sq = (x: number): number => x * x;

function ell(u: number, v: number, w: number, cu: number, cv: number, cw: number, ru: number, rv: number, rw: number): number {
  return sq((u - cu) / ru) + sq((v - cv) / rv) + sq((w - cw) / rw);
}

/** Distance-like coordinates of p relative to segment a-b: [t along, perpendicular offsets in u and in the v-w plane]. */
const seg: [number, number, number] = [0, 0, 0];
function segment(u: number, v: number, w: number, a: readonly number[], b: readonly number[]): [number, number, number] {
  const a0 = a[0] as number, a1 = a[1] as number, a2 = a[2] as number;
  const d0 = (b[0] as number) - a0, d1 = (b[1] as number) - a1, d2 = (b[2] as number) - a2;
  const len2 = d0 * d0 + d1 * d1 + d2 * d2;
  const t = ((u - a0) * d0 + (v - a1) * d1 + (w - a2) * d2) / len2;
  const e1 = v - a1 - t * d1, e2 = w - a2 - t * d2;
  seg[0] = t;
  seg[1] = u - a0 - t * d0;
  seg[2] = Math.sqrt(e1 * e1 + e2 * e2);
  return seg;
}
const PCL_A = [0.02, 0.3, -0.12];
const PCL_B = [0.06, -0.05, 0.26];
const SIDES = [-1, 1];

function marrowAt(an: Anatomy, u: number, v: number, w: number): number {
  let m = 0.55 * (an.contrast[2] as number);
  for (const t of an.tex) m += t.a * Math.sin(t.f[0] * u + t.f[1] * v + t.f[2] * w + t.ph);
  if (an.bruise) {
    const b = an.bruise;
    if (ell(u, v, w, b[0], b[1], b[2], b[3], b[3], b[3]) < 1) m = 0.92;
  }
  return m;
}

/** Signal intensity (about 0..1) of the anatomy at anatomical coordinates (u: left-right, v: anterior-posterior, w: inferior-superior). */
function intensity(an: Anatomy, u: number, v: number, w: number): number {
  const c = an.contrast;
  const leg = sq(u / 0.82) + sq(v / 0.78);
  if (leg > 1) return 0.0;
  let val = leg > 0.8 ? 0.72 * (c[0] as number) : 0.3 * (c[1] as number); // subcutaneous fat / muscle
  const marrow = (): number => marrowAt(an, u, v, w);
  // Suprapatellar effusion.
  if (an.effusion && ell(u, v, w, 0, -0.38, 0.42, 0.4, 0.1, 0.28) < 1) val = 0.95;
  // Patella.
  const pat = ell(u, v, w, 0, -0.58, 0.22, 0.26, 0.09, 0.19);
  if (pat < 1) val = pat > 0.75 ? 0.08 : marrow();
  // Femur: shaft and two condyles with the intercondylar notch between them.
  const shaft = ell(u, v, w, 0, 0.02, 0.8, 0.42, 0.36, 0.5);
  const condL = ell(u, v, w, -0.3, 0.05, 0.26, 0.22, 0.42, 0.29);
  const condR = ell(u, v, w, 0.3, 0.05, 0.26, 0.22, 0.42, 0.29);
  const fem = Math.min(shaft, condL, condR);
  // Tibia with its plateau at w = -0.08.
  const tib = ell(u, v, w, 0, 0.05, -0.5, 0.62, 0.46, 0.42);
  // Notch fat between the condyles, above the plateau.
  if (Math.abs(u) < 0.16 && w > -0.08 && w < 0.42 && Math.abs(v - 0.02) < 0.36 && fem >= 1) val = 0.7 * (c[3] as number);
  // Menisci: wedges on the rim of each plateau half, dark.
  for (const side of SIDES) {
    const ru = u - side * 0.3, rv = v - 0.05;
    const r = Math.sqrt(sq(ru / 0.22) + sq(rv / 0.38));
    if (r > 0.55 && r < 1.15 && w > -0.08 && w < -0.08 + 0.08 * Math.min(1, (r - 0.55) / 0.45)) {
      val = 0.06;
      const tear = an.menTear;
      if (an.labels.meniscus && side === tear.side && rv > 0.02) {
        // Horizontal-oblique cleavage: a bright line through the posterior horn.
        const hRel = (w + 0.08) / 0.08 - tear.w - tear.angle * (r - 0.85);
        if (Math.abs(hRel) < 0.22) val = 0.9;
      }
    }
  }
  // Cruciates: PCL (always intact) and ACL (a flat dark band, torn when labelled).
  const pcl = segment(u, v, w, PCL_A, PCL_B);
  if (pcl[0] > 0 && pcl[0] < 1 && Math.abs(pcl[1]) < 0.1 && pcl[2] < 0.06) val = 0.08;
  const acl = segment(u, v, w, an.aclA, an.aclB);
  if (acl[0] > -0.05 && acl[0] < 1.05 && Math.abs(acl[1]) < an.aclHalfWidth && acl[2] < an.aclThick) {
    const inGap = an.labels.acl && Math.abs(acl[0] - an.tearAt) < an.tearLen / 2;
    val = inGap ? 0.93 : 0.1 * (c[4] as number);
  }
  if (an.labels.acl && Math.abs(u) < 0.16 && w > -0.08 && w < 0.42 && Math.abs(v - 0.02) < 0.36 && fem >= 1 && tib >= 1 && val > 0.5) {
    // Haemarthrosis: the notch fills with bright fluid around the torn fibres.
    val = 0.9 * (c[3] as number);
  }
  if (an.labels.acl) {
    // Oedema and fluid around the torn fibres.
    const mid = an.tearMid;
    if (ell(u, v, w, mid[0], mid[1], mid[2], 0.15, 0.11, 0.11) < 1 && fem >= 1 && tib >= 1) val = Math.max(val, 0.85);
  }
  // Bones and their cartilage.
  if (fem < 1) val = fem > 0.86 ? 0.07 : marrow();
  else if (fem < 1.22 && w < 0.3) val = 0.74 * (c[5] as number);
  if (tib < 1) val = tib > 0.88 ? 0.07 : marrow();
  else if (tib < 1.2 && w > -0.12 && w < -0.06) val = 0.74 * (c[5] as number);
  return val;
}

/**
 * Renders one knee-MRI-like phantom exam in the three MRNet planes: femur and
 * tibia with cortex, marrow texture and cartilage, patella, menisci, the
 * cruciate ligaments (the ACL torn when labelled), optional effusion and bone
 * bruise; random pose (flexion, rotation, shift, scale); a smooth bias field,
 * Rician noise and a random intensity window; uint8 output.
 */
export function renderExam(rng: Random, labels: ExamLabels, options: PhantomOptions = {}): PhantomExam {
  const size = options.size ?? 256;
  const [sMin, sMax] = options.slices ?? [20, 40];
  const an = drawAnatomy(rng, labels);
  const planes = {} as PhantomExam['planes'];
  for (const plane of PLANES) {
    const s = rng.int(sMin, sMax + 1);
    const sigma = rng.uniform(0.025, 0.06);
    const bias = [rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25), rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15)];
    const gain = rng.uniform(190, 250);
    const offset = rng.uniform(-6, 8);
    const extent = rng.uniform(0.68, 0.8); // half-extent of the slice stack
    const data = new Uint8Array(s * size * size);
    const x: [number, number, number] = [0, 0, 0];
    for (let k = 0; k < s; k++) {
      const sc = s === 1 ? 0 : -extent + (2 * extent * k) / (s - 1);
      for (let i = 0; i < size; i++) {
        const row = 1 - (2 * (i + 0.5)) / size; // top of the image = superior / posterior
        for (let j = 0; j < size; j++) {
          const col = -1 + (2 * (j + 0.5)) / size;
          // Scanner coordinates per plane (u: LR, v: AP, w: SI).
          if (plane === 'sagittal') { x[0] = sc; x[1] = col; x[2] = row; }
          else if (plane === 'coronal') { x[0] = col; x[1] = sc; x[2] = row; }
          else { x[0] = col; x[1] = -row; x[2] = sc; }
          // Anatomical coordinates: undo the pose.
          const d0 = (x[0] - an.trans[0]) / an.scale, d1 = (x[1] - an.trans[1]) / an.scale, d2 = (x[2] - an.trans[2]) / an.scale;
          const r = an.rot;
          const u = (r[0] as number) * d0 + (r[3] as number) * d1 + (r[6] as number) * d2;
          const v = (r[1] as number) * d0 + (r[4] as number) * d1 + (r[7] as number) * d2;
          const w = (r[2] as number) * d0 + (r[5] as number) * d1 + (r[8] as number) * d2;
          let val = intensity(an, u, v, w);
          val *= 1 + (bias[0] as number) * col + (bias[1] as number) * row + (bias[2] as number) * col * row + (bias[3] as number) * sc;
          // Rician noise: magnitude of a complex signal with Gaussian noise on both channels.
          const re = val + sigma * rng.normal();
          const im = sigma * rng.normal();
          const mag = Math.sqrt(re * re + im * im);
          const q = Math.round(mag * gain + offset);
          data[(k * size + i) * size + j] = q < 0 ? 0 : q > 255 ? 255 : q;
        }
      }
    }
    planes[plane] = { data, shape: [s, size, size] };
  }
  return { planes, labels };
}
