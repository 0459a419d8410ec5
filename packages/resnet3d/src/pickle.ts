/**
 * A small, safe unpickler for PyTorch checkpoints: it understands the pickle
 * opcodes `torch.save` writes (protocols 2-5) and NEVER executes anything.
 * Globals become inert {@link PyGlobal} markers; only a fixed set (tensor
 * rebuild functions, `OrderedDict`) is interpreted, everything else becomes an
 * inert {@link PyObject}.
 *
 * `@byolmed3d/resnet3d/pickle`: the low-level reader behind
 * `readTorchCheckpoint`, for reading other objects `torch.save` wrote. Most
 * users want `readTorchCheckpoint` from the main entry.
 * @packageDocumentation
 */
import { WeightsError } from './errors.js';

/** A global (`module.name`) referenced by a pickle; never resolved to code. */
export class PyGlobal {
  constructor(
    /** Python module, e.g. `torch._utils`. */
    readonly module: string,
    /** Attribute name, e.g. `_rebuild_tensor_v2`. */
    readonly name: string,
  ) {}

  /** `module.name`. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An inert object the unpickler could not (and will not) construct. */
export class PyObject {
  /** State given by BUILD, if any. */
  state: unknown = undefined;
  constructor(
    /** The callable or class that would have built it. */
    readonly callable: unknown,
    /** Its arguments. */
    readonly args: unknown[],
  ) {}
}

/** A reference to a tensor storage of a checkpoint (a persistent id). */
export interface StorageRef {
  /** Marker. */
  readonly kind: 'storage';
  /** Storage class name, e.g. `FloatStorage`. */
  readonly storageType: string;
  /** Key of its data file (`<archive>/data/<key>`). */
  readonly key: string;
  /** Device it was saved from, e.g. `cpu` or `cuda:0`. */
  readonly location: string;
  /** Number of elements. */
  readonly numel: number;
  /** Start of this storage inside storage `key`, in elements (legacy storage views); default 0. */
  readonly elementOffset?: number;
}

/** A tensor rebuilt by `torch._utils._rebuild_tensor_v2`, not yet materialised. */
export interface TensorRef {
  /** Marker. */
  readonly kind: 'tensor';
  /** Its storage. */
  readonly storage: StorageRef;
  /** Offset into the storage, in elements. */
  readonly offset: number;
  /** Shape. */
  readonly shape: number[];
  /** Strides, in elements. */
  readonly stride: number[];
}


function isStorageRef(v: unknown): v is StorageRef {
  return typeof v === 'object' && v !== null && (v as StorageRef).kind === 'storage' && typeof (v as StorageRef).key === 'string';
}

/** Whether a value is an unmaterialised tensor of a checkpoint. */
export function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor' && isStorageRef((v as TensorRef).storage);
}

function toInts(v: unknown, what: string, file: string): number[] {
  if (!Array.isArray(v)) throw new WeightsError(file, 'pickle', `${what}: expected a tuple`);
  return v.map((x) => (typeof x === 'bigint' ? Number(x) : (x as number)));
}

/**
 * Unpickles `bytes` (a `data.pkl`). Dictionaries become `Map`s, tuples and
 * lists arrays, tensors {@link TensorRef}s, persistent ids {@link StorageRef}s.
 * @param file label for error messages
 */
export function unpickle(bytes: Uint8Array, file = '<bytes>'): unknown {
  return unpickleAt(bytes, 0, file).value;
}

/** What {@link unpickleAt} returns. */
export interface UnpickleResult {
  /** The unpickled value. */
  value: unknown;
  /** Byte offset just after the pickle's STOP opcode. */
  end: number;
}

/**
 * Unpickles one pickle starting at byte `start` of `bytes` and says where it
 * ended (legacy `torch.save` files are several pickles back to back).
 */
export function unpickleAt(bytes: Uint8Array, start: number, file = '<bytes>'): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  let pos = start;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const fail = (reason: string): never => {
    throw new WeightsError(file, 'pickle', `${reason} (at byte ${pos})`);
  };
  const need = (n: number): void => {
    if (pos + n > bytes.length) fail('truncated pickle');
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++] as number;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = Number(view.getBigUint64(pos, true));
    pos += 8;
    return v;
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = bytes.indexOf(10, pos);
    if (end < 0) fail('unterminated line');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('MARK missing');
    const items = stack.splice(m as number);
    return items;
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (target instanceof Map) {
      for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
    } else if (target instanceof PyObject) {
      // e.g. a dict subclass: keep items on the inert object.
      const m = (target.state instanceof Map ? target.state : new Map()) as Map<unknown, unknown>;
      for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
      target.state = m;
    } else fail('SETITEM(S) on a non-dict');
  };
  const reduce = (callable: unknown, args: unknown): unknown => {
    const a = Array.isArray(args) ? args : [];
    if (callable instanceof PyGlobal) {
      switch (callable.qualifiedName) {
        case 'collections.OrderedDict':
        case 'builtins.dict':
        case '__builtin__.dict':
          return new Map(a.length && a[0] instanceof Map ? (a[0] as Map<unknown, unknown>) : []);
        case 'torch._utils._rebuild_tensor':
        case 'torch._utils._rebuild_tensor_v2': {
          const [storage, offset, size, stride] = a;
          if (!isStorageRef(storage)) fail(`${callable.name}: first argument is not a storage`);
          return {
            kind: 'tensor',
            storage: storage as StorageRef,
            offset: Number(offset),
            shape: toInts(size, 'tensor size', file),
            stride: toInts(stride, 'tensor stride', file),
          } satisfies TensorRef;
        }
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          return a[0];
        case 'torch._tensor._rebuild_from_type_v2':
        case 'torch._tensor._rebuild_from_type':
          return reduce(a[0], a[2]);
        case 'builtins.set':
        case '__builtin__.set':
        case 'builtins.frozenset':
        case '__builtin__.frozenset':
          return Array.isArray(a[0]) ? [...(a[0] as unknown[])] : [];
        default:
          return new PyObject(callable, a);
      }
    }
    return new PyObject(callable, a);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const m = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        stack.push(m);
        break;
      }
      case 0x6c: // LIST
      case 0x74: // TUPLE
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(dec.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(dec.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(dec.decode(take(u64())));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} missing`);
        stack.push(memo.get(k));
        break;
      }
      case 0x67: {
        // GET
        const k = Number(line());
        if (!memo.has(k)) fail(`memo key ${k} missing`);
        stack.push(memo.get(k));
        break;
      }
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(new PyGlobal(String(module), String(name)));
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? u8() : u32();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
        if (n > 0 && (b[n - 1] as number) & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x49: {
        // INT
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number(s));
        break;
      }
      case 0x4c: // LONG
        stack.push(Number(line().replace(/L$/, '')));
        break;
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: // FLOAT
        stack.push(Number(line()));
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(reduce(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(reduce(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop();
        const args = pop();
        const cls = pop();
        stack.push(reduce(cls, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND on a non-list');
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS on a non-list');
        (list as unknown[]).push(...items);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        stack.push(persistent(pid));
        break;
      }
      case 0x50: // PERSID
        stack.push(persistent(line()));
        break;
      case 0x30: // POP
        if (marks.length && marks[marks.length - 1] === stack.length) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }

  function persistent(pid: unknown): StorageRef | PyObject {
    if (Array.isArray(pid) && pid[0] === 'storage') {
      const [, type, key, location, n, viewMetadata] = pid as [string, unknown, unknown, unknown, unknown, unknown];
      const storageType = type instanceof PyGlobal ? type.name : String(type);
      // Legacy files may describe a view (view_key, offset, size) of storage `key`.
      const elementOffset = Array.isArray(viewMetadata) ? Number(viewMetadata[1]) : 0;
      return { kind: 'storage', storageType, key: String(key), location: String(location), numel: Number(n), elementOffset };
    }
    return new PyObject(new PyGlobal('persistent_load', String(Array.isArray(pid) ? pid[0] : pid)), Array.isArray(pid) ? pid : [pid]);
  }
}
